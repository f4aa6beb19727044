/** The one place where moderation errors become HTTP answers (`{ error, message }`). */
import type { Response } from 'express';
import { sendError } from '../core/http-errors.js';
import { assertNever } from '../core/result.js';
import type { ModerationError } from './errors.js';

export function sendModerationError(res: Response, error: ModerationError): void {
  const send = (status: number, message: string): void => sendError(res, status, error.kind, message);
  switch (error.kind) {
    case 'invalid_request':
      return send(400, error.message);
    case 'invalid_domain':
    case 'unprocessable':
      return send(422, error.message);
    case 'own_domain':
      return send(422, 'this is the domain of this instance (or one that contains it); it cannot be blocked');
    case 'already_blocked':
      return send(409, `${error.domain} is blocked already; change the block with PATCH /api/v1/admin/domain-blocks/${error.domain}`);
    case 'block_not_found':
      return send(404, 'this domain is not blocked');
    case 'account_not_found':
      return send(404, 'no account with this username');
    case 'report_not_found':
      return send(404, 'no report with this id');
    case 'report_resolved':
      return send(409, 'this report was resolved already');
    case 'target_not_found':
      return send(404, error.message);
    case 'room_not_found':
      return send(404, 'no room with this id on this instance');
    case 'participant_not_found':
      return send(404, 'nobody with this handle is in that room');
    case 'action_not_applicable':
      return send(422, error.message);
    case 'not_moderator':
      return send(403, 'only a moderator or administrator of this instance may do this');
    case 'not_admin':
      return send(403, 'only an administrator of this instance may do this');
    case 'no_persona':
      return send(409, 'choose or create a persona first: reports are made as a persona');
    case 'rate_limited':
      res.set('Retry-After', String(error.retryAfterSeconds));
      return send(429, `too many ${error.what} from your address or account; try again in ${error.retryAfterSeconds} seconds`);
    default:
      return assertNever(error, 'moderation error');
  }
}
