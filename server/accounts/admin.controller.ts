/**
 * Administration over HTTP: `POST /api/v1/admin/invites` `{ count? }` makes
 * invite codes, behind an admin session. (The command line in server/admin/
 * does the same from a shell.)
 */
import type { RequestHandler, Router } from 'express';
import { z } from 'zod';
import { sendAccountsError } from './http-errors.js';
import { MAX_INVITES_AT_ONCE, type InviteService } from './invite.service.js';
import { parseInput } from './schemas.js';

const invitesBody = z.strictObject({
  count: z.number().int().min(1).max(MAX_INVITES_AT_ONCE, `count: at most ${MAX_INVITES_AT_ONCE} at once`).optional(),
});

export interface AdminRoutesDeps {
  invites: InviteService;
  /** Session, CSRF, JSON body parsing and the admin check, in order. */
  adminWrite: RequestHandler[];
}

export function adminRoutes(router: Router, deps: AdminRoutesDeps): void {
  router.post('/api/v1/admin/invites', ...deps.adminWrite, (req, res, next) => {
    res.set('Cache-Control', 'no-store');
    const body = parseInput(invitesBody, req.body);
    if (!body.ok) return sendAccountsError(res, body.error);
    deps.invites.create(body.value.count ?? 1).then((inviteCodes) => {
      res.status(201).json({ inviteCodes });
    }, next);
  });
}
