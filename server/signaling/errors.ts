/** Room errors as signaling error codes, in one exhaustive switch. */
import { assertNever } from '../core/result.js';
import type { LeaveReason, RoomOpError } from '../rooms/index.js';
import type { SignalError } from './protocol.js';

const STAGE_MESSAGES = {
  room_ended: 'the room has ended',
  not_in_room: 'you are not in this room',
  not_allowed: 'your role does not allow this',
  no_such_participant: 'nobody with this participant id is in the room',
  not_a_listener: 'only a listener in the audience can do this',
  not_on_stage: 'this needs someone on the stage',
  no_invitation: 'there is no invitation to answer',
  stage_full: 'the stage is full',
  muted_by_moderator: 'a moderator muted you; wait until they allow you to unmute',
  guests_cannot: 'guests can only listen',
  banned: 'you are banned from this room',
  instance_limited: 'the moderators of this instance limited that participant\'s instance: its people can listen but not speak here',
} as const;

const GRANT_MESSAGES = {
  grant_invalid: 'the grant is not valid',
  grant_expired: 'the grant expired; ask for a fresh one with refreshGrant',
  grant_wrong_room: 'the grant is for another room',
  grant_wrong_participant: 'the grant is for another participant',
} as const;

const MEDIA_MESSAGES = {
  media_closed: 'the room media is being moved; wait for the reconnect event',
  no_such_transport: 'no such transport',
  no_such_producer: 'no such producer',
  no_such_consumer: 'no such consumer',
  not_yours: 'this belongs to another participant',
  cap_reached: 'you reached the limit of transports, producers or consumers',
  cannot_consume: 'your device cannot receive this stream',
  bad_parameters: 'the media parameters were refused',
} as const;

export function signalErrorOf(error: RoomOpError): SignalError {
  switch (error.kind) {
    case 'invalid_request':
      return { code: 'invalid_message', message: error.message };
    case 'no_persona':
      return { code: 'no_persona', message: 'pick a persona first' };
    case 'room_not_found':
      return { code: 'room_not_found', message: 'there is no room with this id that you may join' };
    case 'not_host':
      return { code: 'not_host', message: 'only the host may do this' };
    case 'bad_state':
      return { code: error.state === 'ended' ? 'room_ended' : 'room_not_live', message: `the room is ${error.state}` };
    case 'guests_public_only':
      return { code: 'guests_public_only', message: 'guests may only join public rooms; sign in' };
    case 'media_unavailable':
      return { code: 'media_unavailable', message: 'no media server is available right now' };
    case 'remote_refused':
      return { code: 'remote_refused', message: `the room's instance refused: ${error.code} (${error.message})` };
    case 'stage':
      return { code: error.error, message: STAGE_MESSAGES[error.error] };
    case 'grant':
      return { code: error.error, message: GRANT_MESSAGES[error.error] };
    case 'media':
      return { code: error.error, message: MEDIA_MESSAGES[error.error] };
    default:
      return assertNever(error, 'room error');
  }
}

/** Client-visible code of why a participant left the room. */
export const LEAVE_CODES: Record<LeaveReason, string> = {
  left: 'left',
  removed: 'removed',
  banned: 'banned',
  room_ended: 'room_ended',
  replaced: 'joined_elsewhere',
  persona_deleted: 'persona_deleted',
  server_shutdown: 'server_shutdown',
  account_suspended: 'account_suspended',
  domain_blocked: 'domain_blocked',
};
