/**
 * The one place where accounts errors become HTTP answers, in the project's
 * error shape (`{ error, message }`). The switch is exhaustive: a new error
 * kind does not compile until it has a status.
 */
import type { Response } from 'express';
import { sendError } from '../core/http-errors.js';
import { assertNever } from '../core/result.js';
import type { AccountsError } from './errors.js';

export function sendAccountsError(res: Response, error: AccountsError): void {
  const send = (status: number, message: string): void => sendError(res, status, error.kind, message);
  switch (error.kind) {
    case 'invalid_request':
      return send(400, error.message);
    case 'unsupported_media_type':
      return send(415, 'send the request body as JSON with Content-Type: application/json');
    case 'cross_origin':
      return send(403, 'the request came from another site (Origin does not match this server); it was refused');
    case 'csrf_content_type':
      return send(403, 'a signed-in request that changes something must have Content-Type: application/json');
    case 'not_authenticated':
      return send(401, 'sign in first: no valid session (it may have expired after 30 days without use)');
    case 'not_admin':
      return send(403, 'only an administrator of this instance may do this');
    case 'registration_closed':
      return send(403, 'registration is closed on this instance');
    case 'invite_required':
      return send(403, 'this instance registers by invitation only: an invite code is required');
    case 'invite_unknown':
      return send(403, 'this invite code is not valid on this instance; check it for typos');
    case 'invite_used':
      return send(409, 'this invite code has already been used; ask for a new one');
    case 'username_taken':
      return send(409, 'this username is already taken; choose another');
    case 'invalid_credentials':
      return send(401, 'wrong username or password');
    case 'account_suspended':
      return send(403, 'this account is suspended by the moderators of this instance');
    case 'rate_limited':
      res.set('Retry-After', String(error.retryAfterSeconds));
      return send(429, `too many failed attempts; try again in ${error.retryAfterSeconds} seconds`);
    case 'signup_rate_limited':
      res.set('Retry-After', String(error.retryAfterSeconds));
      return send(429, `too many sign-ups from your address or on this instance; try again in ${error.retryAfterSeconds} seconds`);
    case 'recovery_failed':
      return send(403, 'wrong username or recovery code (each code works only once)');
    case 'wrong_password':
      return send(403, 'wrong password; nothing was changed');
    case 'handle_invalid':
      return send(422, 'a handle is 1 to 30 characters: lowercase letters, digits and underscores');
    case 'handle_reserved':
      return send(422, 'this handle is reserved on this instance; choose another');
    case 'handle_taken':
      return send(409, 'this handle is already taken; choose another');
    case 'handle_retired':
      return send(409, 'this handle belonged to a deleted persona and is never given out again; choose another');
    case 'persona_limit':
      return send(409, `an account may have at most ${error.limit} personas; delete one to create another`);
    case 'persona_not_found':
      return send(404, 'you have no persona with this handle');
    case 'session_not_found':
      return send(404, 'you have no session with this id');
    default:
      return assertNever(error, 'accounts error');
  }
}
