/**
 * Administration over HTTP: `POST /api/v1/admin/invites` `{ count? }` makes
 * invite codes, behind an admin session. (The command line in server/admin/
 * does the same from a shell.)
 */
import type { RequestHandler, Router } from 'express';
import { z } from 'zod';
import { sendAccountsError } from './http-errors.js';
import { getAuth } from './session-auth.js';
import { MAX_INVITES_AT_ONCE, type InviteService } from './invite.service.js';
import { parseInput } from './schemas.js';

const invitesBody = z.strictObject({
  count: z.number().int().min(1).max(MAX_INVITES_AT_ONCE, `count: at most ${MAX_INVITES_AT_ONCE} at once`).optional(),
});

export interface AdminRoutesDeps {
  invites: InviteService;
  /** Session, CSRF, JSON body parsing and the admin check, in order. */
  adminWrite: RequestHandler[];
  /** Told after invite codes were made (the audit log records who made how many). */
  onInvitesCreated?: (by: { accountId: string; username: string }, count: number) => Promise<void>;
}

export function adminRoutes(router: Router, deps: AdminRoutesDeps): void {
  router.post('/api/v1/admin/invites', ...deps.adminWrite, (req, res, next) => {
    res.set('Cache-Control', 'no-store');
    const body = parseInput(invitesBody, req.body);
    if (!body.ok) return sendAccountsError(res, body.error);
    const { account } = getAuth(req);
    deps.invites.create(body.value.count ?? 1).then(async (inviteCodes) => {
      await deps.onInvitesCreated?.({ accountId: account.id, username: account.username }, inviteCodes.length);
      res.status(201).json({ inviteCodes });
    }).catch(next);
  });
}
