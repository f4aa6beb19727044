/** Room lifecycle and invitation errors as HTTP answers, in one exhaustive switch. */
import type { Response } from 'express';
import { sendError } from '../core/http-errors.js';
import { assertNever } from '../core/result.js';
import type { InvitationError } from './errors.js';

export function sendRoomError(res: Response, error: InvitationError): void {
  const send = (status: number, message: string): void => sendError(res, status, error.kind, message);
  switch (error.kind) {
    case 'invalid_request':
      return send(400, error.message);
    case 'no_persona':
      return send(403, 'pick or create a persona first: rooms are hosted by a persona');
    case 'room_not_found':
      return send(404, 'there is no room with this id that you may see');
    case 'not_host':
      return send(403, 'only the host of this room may do this');
    case 'bad_state':
      return send(409, `the room is ${error.state}; this is not possible now`);
    case 'guests_public_only':
      return send(403, 'sign in to join this room: guests may only listen to public rooms');
    case 'media_unavailable':
      return send(503, 'no media server is available right now; try again shortly');
    case 'remote_refused':
      return sendError(res, 403, error.code, error.message);
    case 'persona_not_found':
      return send(404, 'there is no local persona with this handle');
    case 'not_invite_only':
      return send(409, 'only invite-only rooms have invitations');
    default:
      return assertNever(error, 'room error');
  }
}
