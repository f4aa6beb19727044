/**
 * A local room as an ActivityPub `Event` (docs/protocol/federation.md): the
 * document served at the room's id and carried by Create/Update, and the
 * addressing that follows the room's visibility.
 */
import type { RoomRecord } from '../../server/store/index.js';
import { HEARTH_TERMS } from '../jsonld/contexts/hearth-v1.js';

export const AS_CONTEXT = 'https://www.w3.org/ns/activitystreams';
export const PUBLIC = 'https://www.w3.org/ns/activitystreams#Public';

/** The `@context` of every room document this server sends or serves: terms defined inline, nothing to fetch. */
export const ROOM_CONTEXT = [AS_CONTEXT, { xsd: 'http://www.w3.org/2001/XMLSchema#', ...HEARTH_TERMS }];

/** What federation needs to know of a local room: the record, its host's actor and who is in it now. */
export interface FederatedRoom {
  room: RoomRecord;
  hostActorId: string;
  /** Actor ids of the personas on stage (guests are never on stage). */
  speakerActorIds: string[];
  listenerCount: number;
}

/** Reads local rooms for federation (the rooms service answers). */
export interface LocalRoomSource {
  federatedRoom(roomId: string): Promise<FederatedRoom | undefined>;
}

/** The room's id and page: one URL, answered with HTML or, to ActivityPub clients, the Event. */
export const roomEventId = (publicUrl: string, roomId: string): string => `${publicUrl}/rooms/${roomId}`;

/** Where another instance asks to join (part 2, the cascade link); answers 501 until then. */
export const roomJoinEndpoint = (publicUrl: string, roomId: string): string => `${publicUrl}/rooms/${roomId}/join`;

/** The followers collection of a local persona's actor (see AP_ROUTES). */
export const followersOf = (actorId: string): string => `${actorId}/followers`;

/** `to`/`cc` of a room; undefined for invite-only rooms, which never leave the instance. */
export function roomAudience(room: Pick<RoomRecord, 'visibility'>, hostActorId: string): { to: string[]; cc: string[] } | undefined {
  const followers = followersOf(hostActorId);
  switch (room.visibility) {
    case 'public':
      return { to: [PUBLIC], cc: [followers] };
    case 'unlisted':
      return { to: [followers], cc: [PUBLIC] };
    case 'followers':
      return { to: [followers], cc: [] };
    case 'invite':
      return undefined;
  }
}

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * The Event of a room, with `@context`. `updated` orders copies: a receiver
 * keeps the newest. Undefined for invite-only rooms.
 */
export function roomEventDocument(fed: FederatedRoom, publicUrl: string, updated: Date): Record<string, unknown> | undefined {
  const { room } = fed;
  const audience = roomAudience(room, fed.hostActorId);
  if (!audience) return undefined;
  const id = roomEventId(publicUrl, room.id);
  // Mastodon builds its post from name + url for an Event; servers that read
  // `content` instead get the same: the title, the description, the link.
  const content = [`<p>${escapeHtml(room.title)}</p>`, room.description ? `<p>${escapeHtml(room.description)}</p>` : '', `<p><a href="${escapeHtml(id)}">${escapeHtml(id)}</a></p>`].join('');
  const startTime = room.startedAt ?? room.scheduledFor ?? room.createdAt;
  return {
    '@context': ROOM_CONTEXT,
    id,
    type: 'Event',
    attributedTo: fed.hostActorId,
    name: room.title,
    ...(room.description ? { summary: room.description } : {}),
    content,
    url: id,
    published: room.createdAt.toISOString(),
    updated: updated.toISOString(),
    startTime: startTime.toISOString(),
    ...(room.endedAt ? { endTime: room.endedAt.toISOString() } : {}),
    roomStatus: room.state,
    speakers: room.state === 'live' ? fed.speakerActorIds : [],
    listenerCount: room.state === 'live' ? fed.listenerCount : 0,
    joinEndpoint: roomJoinEndpoint(publicUrl, room.id),
    to: audience.to,
    cc: audience.cc,
  };
}
