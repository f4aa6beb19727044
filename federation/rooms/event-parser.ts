/**
 * The edge of inbound room documents: an `Event` carrying this project's
 * vocabulary, parsed with a schema into a {@link RemoteRoomRecord}, with the
 * limits and origin rules of docs/protocol/federation.md applied. An Event
 * without `roomStatus` is not a room (a calendar event from another
 * program) and is left alone.
 */
import { z } from 'zod';
import type { RemoteRoomAudience, RemoteRoomRecord } from '../../server/store/index.js';
import { sameOrigin } from '../inbox/inbound-activity.js';
import { PUBLIC } from './room-event.js';

export const MAX_TITLE = 200;
export const MAX_SUMMARY = 2_000;
export const MAX_SPEAKERS = 50;

const iri = z.string().url().max(2048);
const ref = z.union([iri, z.object({ id: iri }).passthrough()]);
const refs = z.union([ref, z.array(ref).max(1_000)]);
const linkRef = z.union([iri, z.object({ href: iri, mediaType: z.string().max(200).optional() }).passthrough()]);
const time = z.string().max(64).refine((s) => !Number.isNaN(Date.parse(s)), 'not a date');

const eventSchema = z.object({
  id: iri,
  type: z.union([z.string(), z.array(z.string()).max(8)]),
  attributedTo: refs,
  name: z.string().min(1),
  summary: z.string().optional(),
  url: z.union([linkRef, z.array(linkRef).max(20)]).optional(),
  startTime: time.optional(),
  endTime: time.optional(),
  published: time.optional(),
  updated: time.optional(),
  roomStatus: z.enum(['scheduled', 'live', 'ended']),
  speakers: refs.optional(),
  listenerCount: z.number().int().min(0).optional(),
  joinEndpoint: iri.optional(),
  to: refs.optional(),
  cc: refs.optional(),
}).passthrough();

/** Why an Event was refused (the inbox answers 403 / 422, the lookup 422). */
export type EventRefusal =
  | { kind: 'not_owner'; message: string }
  | { kind: 'invalid_event'; message: string };

export type ParsedEvent =
  | { ok: true; room: RemoteRoomRecord }
  | { ok: false; error: EventRefusal }
  | { ok: 'not_a_room' };

const ids = (v: z.infer<typeof refs> | undefined): string[] =>
  v === undefined ? [] : (Array.isArray(v) ? v : [v]).map((r) => (typeof r === 'string' ? r : r.id));

const isPublic = (id: string): boolean => id === PUBLIC || id === 'as:Public' || id === 'Public';

/** Whether a raw object claims to be an Event (before any validation). */
export function looksLikeEvent(raw: unknown): boolean {
  if (typeof raw !== 'object' || raw === null) return false;
  const type = (raw as { type?: unknown }).type;
  return type === 'Event' || (Array.isArray(type) && type.includes('Event'));
}

function firstUrl(url: z.infer<typeof eventSchema>['url']): string | undefined {
  const list = url === undefined ? [] : Array.isArray(url) ? url : [url];
  const links = list.map((l) => (typeof l === 'string' ? { href: l, mediaType: undefined } : l));
  return (links.find((l) => l.mediaType === 'text/html') ?? links[0])?.href;
}

/** Plain text of a possibly-HTML remote string, cut to `max` characters. */
function plain(text: string, max: number): string {
  return [...text.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim()].slice(0, max).join('');
}

/**
 * Parses a remote Event sent by `actorId`. Its id must be on the actor's
 * origin and `attributedTo` must be the actor; `url` and `joinEndpoint` on
 * another origin than the id are dropped (stored as null). Title, summary
 * and speakers over their limits are cut, never stored whole.
 */
export function parseRemoteEvent(raw: unknown, actorId: string, receivedAt: Date): ParsedEvent {
  if (!looksLikeEvent(raw)) return { ok: 'not_a_room' };
  if (typeof (raw as { roomStatus?: unknown }).roomStatus !== 'string') return { ok: 'not_a_room' };
  const parsed = eventSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, error: { kind: 'invalid_event', message: `${issue?.path.join('.') || 'object'}: ${issue?.message ?? 'invalid'}` } };
  }
  const e = parsed.data;
  if (!sameOrigin(e.id, actorId)) return { ok: false, error: { kind: 'not_owner', message: 'the Event is not on the actor\'s origin' } };
  const owners = ids(e.attributedTo);
  if (owners.length !== 1 || owners[0] !== actorId) return { ok: false, error: { kind: 'not_owner', message: 'the Event is not attributed to the actor that sent it' } };
  const to = ids(e.to);
  const cc = ids(e.cc);
  const audience: RemoteRoomAudience = to.some(isPublic) ? 'public' : cc.some(isPublic) ? 'unlisted' : 'followers';
  const url = firstUrl(e.url);
  const date = (s: string | undefined): Date | null => (s === undefined ? null : new Date(s));
  return {
    ok: true,
    room: {
      id: e.id,
      hostActorId: actorId,
      origin: new URL(e.id).origin,
      title: plain(e.name, MAX_TITLE),
      summary: plain(e.summary ?? '', MAX_SUMMARY),
      status: e.roomStatus,
      audience,
      speakers: [...new Set(ids(e.speakers))].slice(0, MAX_SPEAKERS),
      listenerCount: Math.min(e.listenerCount ?? 0, 1_000_000),
      startTime: date(e.startTime),
      endTime: date(e.endTime),
      url: url && sameOrigin(url, e.id) ? url : null,
      joinEndpoint: e.joinEndpoint && sameOrigin(e.joinEndpoint, e.id) ? e.joinEndpoint : null,
      updatedAt: date(e.updated) ?? date(e.published) ?? receivedAt,
      receivedAt,
    },
  };
}
