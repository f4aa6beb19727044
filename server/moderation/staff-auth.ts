/**
 * Who may use the moderation API: behind `requireSession` (anonymous: 401),
 * moderators and administrators (`staff`), or administrators only (`admin`);
 * anyone else gets 403. The role is read on every request, so a role taken
 * away (also from the command line) stops working at once.
 */
import type { Request, RequestHandler, Response } from 'express';
import { getAuth } from '../accounts/index.js';
import type { StaffActor } from './audit-log.js';
import { sendModerationError } from './http-errors.js';
import type { Roles } from './roles.js';

export function requireStaff(roles: Roles, level: 'staff' | 'admin'): RequestHandler {
  return (req, res, next) => {
    const { account } = getAuth(req);
    roles.roleOf(account).then((role) => {
      if (level === 'admin' && role !== 'admin') return sendModerationError(res, { kind: 'not_admin' });
      if (role === null) return sendModerationError(res, { kind: 'not_moderator' });
      next();
    }, next);
  };
}

/** The acting staff member, for the audit log. */
export function actorOf(req: Request): StaffActor {
  const { account } = getAuth(req);
  return { accountId: account.id, username: account.username };
}

/** Wraps an async handler: rejections reach the error handler; answers are never cached. */
export function route(handler: (req: Request, res: Response) => Promise<void>): RequestHandler {
  return (req, res, next) => {
    res.set('Cache-Control', 'no-store');
    handler(req, res).catch(next);
  };
}
