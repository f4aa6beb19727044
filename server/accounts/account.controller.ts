/**
 * HTTP routes for accounts and sessions, under /api/v1. Input is parsed with
 * zod at the edge; every failure goes through `sendAccountsError`.
 */
import type { Request, RequestHandler, Router } from 'express';
import type { Config } from '../../config/index.js';
import type { Store } from '../store/index.js';
import type { AccountService } from './account.service.js';
import type { DeletionService } from './deletion.service.js';
import { sendAccountsError } from './http-errors.js';
import type { KnownDevices } from './known-devices.js';
import { clientOf, route } from './routing.js';
import { emptyBody, loginBody, parseInput, passwordBody, recoverBody, registerBody } from './schemas.js';
import { clearSessionCookie, getAuth, setDeviceCookie, setSessionCookie } from './session-auth.js';
import type { SessionService } from './session.service.js';
import type { SignupThrottle } from './signup-throttle.js';

export interface AccountRoutesDeps {
  config: Config;
  store: Pick<Store, 'accounts' | 'personas'>;
  accounts: AccountService;
  sessions: SessionService;
  deletion: DeletionService;
  devices: KnownDevices;
  /** Sign-up attempts per client address and per instance. */
  signups: SignupThrottle;
  /** CSRF guard + JSON body parser for unauthenticated state-changing routes. */
  publicWrite: RequestHandler[];
  /** requireSession for reads. */
  signedIn: RequestHandler[];
  /** requireSession + JSON body parser for state-changing routes. */
  signedInWrite: RequestHandler[];
  /** The account's staff role, shown to the account itself (its web client shows the admin page to staff). */
  roleOf: (account: { id: string; isAdmin: boolean }) => Promise<'admin' | 'moderator' | null>;
}

export function accountRoutes(router: Router, deps: AccountRoutesDeps): void {
  const { publicUrl } = deps.config.http;
  const { publicWrite, signedIn, signedInWrite } = deps;

  /** The signed-in account's record (the session context carries no password hash). */
  const accountOf = async (req: Request) => {
    const account = await deps.store.accounts.findById(getAuth(req).account.id);
    if (!account) throw new Error('the account of a live session is gone');
    return account;
  };

  router.post('/api/v1/accounts', ...publicWrite, route(async (req, res) => {
    const body = parseInput(registerBody, req.body);
    if (!body.ok) return sendAccountsError(res, body.error);
    // Before any lookup or hash: a taken username costs the prober as much as a sign-up.
    const wait = deps.signups.take(clientOf(req).ip);
    if (wait > 0) return sendAccountsError(res, { kind: 'signup_rate_limited', retryAfterSeconds: wait });
    const created = await deps.accounts.register(body.value);
    if (!created.ok) return sendAccountsError(res, created.error);
    const { token } = await deps.sessions.start(created.value.account);
    setSessionCookie(res, publicUrl, token);
    const client = clientOf(req);
    setDeviceCookie(res, publicUrl, await deps.devices.remember(client.deviceCookie, created.value.account.id));
    res.status(201).json({ recoveryCodes: created.value.recoveryCodes });
  }));

  router.get('/api/v1/accounts/me', ...signedIn, route(async (req, res) => {
    const auth = getAuth(req);
    res.json({
      username: auth.account.username,
      isAdmin: auth.account.isAdmin,
      role: await deps.roleOf(auth.account),
      actingPersona: auth.persona?.handle ?? null,
      recoveryCodesLeft: await deps.store.accounts.countRecoveryCodes(auth.account.id),
    });
  }));

  router.post('/api/v1/accounts/recover', ...publicWrite, route(async (req, res) => {
    const body = parseInput(recoverBody, req.body);
    if (!body.ok) return sendAccountsError(res, body.error);
    const recovered = await deps.accounts.recover(body.value, clientOf(req));
    if (!recovered.ok) return sendAccountsError(res, recovered.error);
    // Every session ended, this browser's included.
    clearSessionCookie(res, publicUrl);
    res.json(recovered.value);
  }));

  router.post('/api/v1/accounts/me/recovery-codes', ...signedInWrite, route(async (req, res) => {
    const body = parseInput(passwordBody, req.body);
    if (!body.ok) return sendAccountsError(res, body.error);
    const codes = await deps.accounts.regenerateRecoveryCodes(await accountOf(req), body.value.password, clientOf(req));
    if (!codes.ok) return sendAccountsError(res, codes.error);
    res.json({ recoveryCodes: codes.value });
  }));

  router.delete('/api/v1/accounts/me', ...signedInWrite, route(async (req, res) => {
    const body = parseInput(passwordBody, req.body);
    if (!body.ok) return sendAccountsError(res, body.error);
    const deleted = await deps.deletion.deleteAccount(await accountOf(req), body.value.password, clientOf(req));
    if (!deleted.ok) return sendAccountsError(res, deleted.error);
    clearSessionCookie(res, publicUrl);
    res.json(deleted.value);
  }));

  router.post('/api/v1/sessions', ...publicWrite, route(async (req, res) => {
    const body = parseInput(loginBody, req.body);
    if (!body.ok) return sendAccountsError(res, body.error);
    const started = await deps.sessions.login(body.value.username, body.value.password, clientOf(req));
    if (!started.ok) return sendAccountsError(res, started.error);
    setSessionCookie(res, publicUrl, started.value.token);
    setDeviceCookie(res, publicUrl, started.value.deviceCookie);
    const acting = started.value.session.actingPersonaId
      ? await deps.store.personas.findById(started.value.session.actingPersonaId)
      : undefined;
    res.status(201).json({ session: { id: started.value.session.id }, actingPersona: acting?.handle ?? null });
  }));

  router.get('/api/v1/sessions', ...signedIn, route(async (req, res) => {
    const auth = getAuth(req);
    const sessions = await deps.sessions.list(auth.account.id);
    res.json({
      sessions: sessions.map((s) => ({
        id: s.id,
        createdAt: s.createdAt.toISOString(),
        lastUsedAt: (s.id === auth.session.id ? auth.session.lastUsedAt : s.lastUsedAt).toISOString(),
        current: s.id === auth.session.id,
      })),
    });
  }));

  // Declared before /:id so that "current" is never taken for an id.
  router.delete('/api/v1/sessions/current', ...signedInWrite, route(async (req, res) => {
    const body = parseInput(emptyBody, req.body);
    if (!body.ok) return sendAccountsError(res, body.error);
    const auth = getAuth(req);
    await deps.sessions.revoke(auth.account.id, auth.session.id);
    clearSessionCookie(res, publicUrl);
    res.status(204).end();
  }));

  router.delete('/api/v1/sessions/:id', ...signedInWrite, route(async (req, res) => {
    const body = parseInput(emptyBody, req.body);
    if (!body.ok) return sendAccountsError(res, body.error);
    const auth = getAuth(req);
    const id = req.params.id ?? '';
    const revoked = await deps.sessions.revoke(auth.account.id, id);
    if (!revoked.ok) return sendAccountsError(res, revoked.error);
    if (id === auth.session.id) clearSessionCookie(res, publicUrl);
    res.status(204).end();
  }));
}
