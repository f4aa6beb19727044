/**
 * What the participants of a room see of it, computed from the stage's
 * participants (in order of arrival) and hand queue: the part every
 * participant sees alike, the part that is one viewer's own, and pages of
 * the audience. Pure functions; the stage (stage.ts) calls them on its state.
 */
import { canPublish, MODERATING, type Participant, type Role } from './stage-model.js';

/** A participant as others see them. */
export interface PublicParticipant {
  id: string;
  handle: string | null;
  displayName: string | null;
  role: Role;
  muted: boolean;
  mutedByModerator: boolean;
  invited: boolean;
}

/** How many audience entries a room state lists; the rest are counted, and `audiencePage` pages through them. */
export const AUDIENCE_HEAD = 50;
/** How many raised hands a moderator's room state lists (the queue's head; `handCount` says how many in all). */
export const HANDS_HEAD = 100;
/** Most audience entries one page answers. */
export const AUDIENCE_PAGE_MAX = 100;

/** The part of the room that every participant sees alike. */
export interface StageView {
  ended: boolean;
  hostId: string | null;
  /** Host, moderators and speakers, in order of arrival (bounded by the room's stage size). */
  stage: PublicParticipant[];
  /** The first {@link AUDIENCE_HEAD} listeners who chose to be seen (never guests), in order of arrival. */
  audience: PublicParticipant[];
  /** Listeners who chose to be seen, in all (`audience` lists the first of them). */
  audienceCount: number;
  /** Every listener, seen or not, guests included. */
  listenerCount: number;
  guestCount: number;
}

/** The part of the room that is one participant's own. */
export interface ViewerView {
  /** Raised hands in order (the first {@link HANDS_HEAD}); only moderators and the host get the list (others get []). */
  hands: string[];
  /** Raised hands in all (moderators and the host; others 0). */
  handCount: number;
  /** The listed hands' people who chose to be seen (moderators and the host; others []). */
  raisedHands: PublicParticipant[];
  /** Whether this participant's own hand is up. */
  handRaised: boolean;
  /** This participant as others see them (null: not in the room). */
  self: PublicParticipant | null;
}

/** The room as one participant sees it. */
export type StageSnapshot = StageView & ViewerView;

/** One page of the audience (listeners who chose to be seen), in order of arrival. */
export interface AudiencePage {
  audience: PublicParticipant[];
  audienceCount: number;
  /** The offset of the next page, or null at the end. */
  next: number | null;
}

/** A participant as others see them (no kind, no order of arrival). */
export function show(p: Participant): PublicParticipant {
  return {
    id: p.id, handle: p.handle, displayName: p.displayName, role: p.role,
    muted: p.muted, mutedByModerator: p.mutedByModerator, invited: p.invited,
  };
}

/**
 * What every participant sees alike: one pass over the participants (kept
 * in order of arrival: a rejoin is a new entry), the audience cut at
 * {@link AUDIENCE_HEAD}. Computed once per broadcast, not once per viewer.
 */
export function stageView(participants: Iterable<Participant>, ended: boolean, hostId: string | null): StageView {
  const stage: PublicParticipant[] = [];
  const audience: PublicParticipant[] = [];
  let audienceCount = 0;
  let listenerCount = 0;
  let guestCount = 0;
  for (const p of participants) {
    if (canPublish(p.role)) {
      stage.push(show(p));
      continue;
    }
    listenerCount++;
    if (p.kind === 'guest') guestCount++;
    if (p.hidden) continue;
    if (audienceCount++ < AUDIENCE_HEAD) audience.push(show(p));
  }
  return { ended, hostId, stage, audience, audienceCount, listenerCount, guestCount };
}

/** What is `viewer`'s own: the hand queue (`hands`, in order) for moderators, its own hand and entry. */
export function viewerView(participants: ReadonlyMap<string, Participant>, hands: readonly string[], viewer: string | null, handRaised: boolean): ViewerView {
  const me = viewer ? participants.get(viewer) : undefined;
  const moderates = me !== undefined && MODERATING.has(me.role);
  const listed = moderates ? hands.slice(0, HANDS_HEAD) : [];
  const raisedHands: PublicParticipant[] = [];
  for (const id of listed) {
    const p = participants.get(id);
    if (p && !p.hidden) raisedHands.push(show(p));
  }
  return {
    hands: listed,
    handCount: moderates ? hands.length : 0,
    raisedHands,
    handRaised,
    self: me ? show(me) : null,
  };
}

/** The audience from `offset` (listeners who chose to be seen, in order of arrival), at most `limit` entries. */
export function audiencePage(participants: Iterable<Participant>, offset: number, limit: number): AudiencePage {
  const want = Math.max(1, Math.min(limit, AUDIENCE_PAGE_MAX));
  const audience: PublicParticipant[] = [];
  let audienceCount = 0;
  for (const p of participants) {
    if (canPublish(p.role) || p.hidden) continue;
    if (audienceCount >= offset && audience.length < want) audience.push(show(p));
    audienceCount++;
  }
  const end = offset + audience.length;
  return { audience, audienceCount, next: end < audienceCount ? end : null };
}
