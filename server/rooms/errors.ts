/**
 * Expected failures of room operations, as a closed union. The HTTP layer
 * (http-errors.ts) and the signaling layer each map every kind in one
 * exhaustive switch.
 */
import type { MediaOpError } from '../../media/index.js';
import type { GrantError } from './grants.js';
import type { StageError } from './stage.js';

/** Failures of the room lifecycle (HTTP and join). */
export type RoomLifecycleError =
  | { kind: 'invalid_request'; message: string }
  | { kind: 'no_persona' }
  | { kind: 'room_not_found' }
  | { kind: 'not_host' }
  | { kind: 'bad_state'; state: 'scheduled' | 'live' | 'ended' }
  | { kind: 'guests_public_only' }
  | { kind: 'media_unavailable' }
  /** Cascade integration: the host of a remote room (or this instance's settings) refused the link. */
  | { kind: 'remote_refused'; code: string; message: string };

/** Failures of managing a room's invitations (HTTP only). */
export type InvitationError =
  | RoomLifecycleError
  | { kind: 'persona_not_found' }
  | { kind: 'not_invite_only' };

/** Every failure a participant can meet in a live room. */
export type RoomOpError = RoomLifecycleError | { kind: 'stage'; error: StageError } | { kind: 'grant'; error: GrantError }
  | { kind: 'media'; error: MediaOpError };
