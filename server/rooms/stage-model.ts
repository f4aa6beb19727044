/**
 * The room's people and roles as the stage keeps them: who a participant is,
 * what a newcomer brings, why an operation is refused or someone left, and
 * what an operation changed. Pure types and helpers, shared by the stage
 * (stage.ts) and its views (stage-views.ts).
 */

/** Roles in a room. Host, moderators and speakers are on the stage (may publish). */
export type Role = 'host' | 'moderator' | 'speaker' | 'listener';

/** Why a participant is no longer in the room (mapped to client-visible codes by signaling). */
export type LeaveReason = 'left' | 'removed' | 'banned' | 'room_ended' | 'replaced' | 'persona_deleted' | 'server_shutdown' | 'account_suspended' | 'domain_blocked';

/** Why an operation was refused. */
export type StageError =
  | 'room_ended'
  | 'not_in_room'
  | 'not_allowed'
  | 'no_such_participant'
  | 'not_a_listener'
  | 'not_on_stage'
  | 'no_invitation'
  | 'stage_full'
  | 'muted_by_moderator'
  | 'guests_cannot'
  | 'banned'
  /** The participant's instance is limited by this instance's moderators: listening only. */
  | 'instance_limited';

/** Someone in the room. */
export interface Participant {
  /** The persona id for personas, `guest:<random>` for guests. */
  readonly id: string;
  readonly kind: 'persona' | 'guest';
  readonly handle: string | null;
  readonly displayName: string | null;
  role: Role;
  /** Order of arrival (for "longest present"). */
  readonly joinedSeq: number;
  /** Listens without appearing in the audience list (counted only). Guests are always hidden. */
  readonly hidden: boolean;
  /** A moderator invited this listener to speak; they have not answered yet. */
  invited: boolean;
  muted: boolean;
  /** Muted by a moderator: may not unmute until a moderator allows it. */
  mutedByModerator: boolean;
}

/**
 * The instance a persona of another instance comes from (cascade links bring
 * them with their actor URL as id and `user@host` as handle); null for
 * personas of this instance and for guests.
 */
export function participantHost(p: Pick<Participant, 'id' | 'kind' | 'handle'>): string | null {
  if (p.kind !== 'persona') return null;
  if (/^https?:\/\//i.test(p.id)) {
    try {
      return new URL(p.id).host;
    } catch {
      return null;
    }
  }
  const at = p.handle?.lastIndexOf('@') ?? -1;
  return p.handle && at > 0 ? p.handle.slice(at + 1).toLowerCase() : null;
}

/** What a newcomer brings. */
export interface Arrival {
  id: string;
  kind: 'persona' | 'guest';
  handle: string | null;
  displayName: string | null;
  hidden: boolean;
}

/** Who left as a result of an operation, and why. */
export interface Departure {
  id: string;
  reason: LeaveReason;
}

/** What an operation changed, for the service to act on. */
export interface StageChange {
  departed: Departure[];
  /** Participants whose permission to publish changed (their producer must close or may start). */
  publishChanged: string[];
  /** Participants whose mute state changed. */
  muteChanged: string[];
  /** A participant who was just invited to the stage. */
  invited?: string;
}

const ON_STAGE: ReadonlySet<Role> = new Set(['host', 'moderator', 'speaker']);
/** Roles that moderate: they see the hand queue and may act on others. */
export const MODERATING: ReadonlySet<Role> = new Set(['host', 'moderator']);

/** Whether a role may publish audio. */
export function canPublish(role: Role): boolean {
  return ON_STAGE.has(role);
}

/** An operation's change: nobody left, nothing to republish or remute, unless `extra` says so. */
export function change(extra: Partial<StageChange> = {}): StageChange {
  return { departed: [], publishChanged: [], muteChanged: [], ...extra };
}
