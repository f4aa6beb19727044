/** The signaling protocol's shapes as the client reads them (docs/protocol/signaling.md), and readable texts for its codes. */

export interface Person {
  id: string;
  handle: string | null;
  displayName: string | null;
  role: 'host' | 'moderator' | 'speaker' | 'listener';
  muted: boolean;
  mutedByModerator?: boolean;
  invited: boolean;
}

export interface RoomState {
  roomId: string;
  ended: boolean;
  hostId: string;
  stage: Person[];
  /** The first listeners who chose to be seen; `audienceCount` says how many there are, the `audience` request pages through them. */
  audience: Person[];
  audienceCount?: number;
  listenerCount: number;
  guestCount?: number;
  hands: string[];
  handCount?: number;
  /** The people of the listed hands (moderators). */
  raisedHands?: Person[];
  handRaised: boolean;
  /** You, as the others see you. */
  self?: Person | null;
}

/** The `roomCounts` event: only the counts moved. */
export interface RoomCounts {
  listenerCount: number;
  guestCount: number;
  audienceCount: number;
}

export interface Grant { token: string; role: Person['role']; canPublish: boolean; canSubscribe: boolean; expiresAt?: string }

/** An error answer of a request. */
export class SignalError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

const ERRORS: Record<string, string> = {
  room_not_found: 'This room does not exist, or you may not see it.',
  room_not_live: 'This room has not started yet.',
  room_ended: 'This room has ended.',
  guests_public_only: 'Only public rooms can be heard without an account. Sign in to join this one.',
  banned: 'You are banned from this room.',
  no_persona: 'Pick or create a persona first.',
  not_allowed: 'Your role in this room does not allow that.',
  stage_full: 'The stage is full.',
  instance_limited: 'This server\'s moderators limited that person\'s server: they can listen, but not speak here.',
  muted_by_moderator: 'A moderator muted you: you can unmute once they allow it.',
  guests_cannot: 'Guests can only listen. Sign in to raise your hand.',
  no_invitation: 'There is no invitation to answer (it may have been withdrawn).',
  session_ended: 'Your session has ended. Sign in again to take part.',
  rate_limited: 'Too many actions at once; wait a moment and try again.',
  media_busy: 'This server is at its listener capacity right now. Try again in a while.',
  too_many_transports: 'Too many open connections from your network. Close other tabs of this site and try again.',
  media_unavailable: 'Audio is unavailable on the server right now. Try again in a moment.',
  not_on_stage: 'That person is not on the stage.',
  not_a_listener: 'That person is not in the audience.',
  no_such_participant: 'That person has left.',
  not_host: 'Only the host may do that.',
  not_in_room: 'You are not in the room.',
  already_joined: 'You are already in the room.',
};

export function errorText(code: string, fallback?: string): string {
  return ERRORS[code] ?? (fallback ? `${fallback[0]?.toUpperCase() ?? ''}${fallback.slice(1)}.` : `The server refused (${code}).`);
}

const LEFT: Record<string, string> = {
  left: 'You left the room.',
  removed: 'A moderator removed you from the room (or you lost the right to be there).',
  banned: 'You were banned from this room.',
  room_ended: 'The room has ended.',
  joined_elsewhere: 'You joined this room from another tab or device, so this one left.',
  persona_deleted: 'This persona was deleted.',
  server_shutdown: 'The server is restarting.',
};

export const leftText = (reason: string): string => LEFT[reason] ?? `You are no longer in the room (${reason}).`;

/** What a close code means, and whether to reconnect by ourselves. */
export function closeMeaning(code: number): { text: string; retry: 'now' | 'soon' | 'backoff' | 'slow' | 'never' } {
  switch (code) {
    case 1001:
      // The server is restarting: it is usually back within seconds, so try often for a while.
      return { text: 'The server is restarting. Reconnecting…', retry: 'soon' };
    case 4401:
      return { text: 'Your session ended (you signed out, or the password was changed). Sign in again to take part.', retry: 'never' };
    case 4409:
      return { text: 'You now act as another persona: joining again as that persona.', retry: 'now' };
    case 4410:
      return { text: 'The persona you were using was deleted.', retry: 'never' };
    case 4430:
      return { text: 'Too many connections from your network or account. Close other tabs of this site; retrying in a while.', retry: 'slow' };
    case 4400:
    case 4429:
      return { text: 'The connection was closed after too many bad or rapid messages. Reload the page to try again.', retry: 'never' };
    default:
      return { text: 'The connection was lost. Reconnecting…', retry: 'backoff' };
  }
}
