/**
 * Accounts and personas: registration without phone number or e-mail,
 * sessions, personas, deletion and export. Other folders import only from
 * here.
 *
 * Wiring (the lead's app composition):
 *   const hooks = new PersonaHooks();
 *   routers: [createAccountsRouter({ config, store, federation, log, hooks }), ...]
 *   rooms: router.post('/api/v1/rooms', requireSession({ config, store }), (req, res) => getAuth(req).persona ...)
 */
import express, { type Router } from 'express';
import type { Config } from '../../config/index.js';
import type { Logger } from '../core/logging/logger.js';
import type { Store } from '../store/index.js';
import { accountRoutes } from './account.controller.js';
import { AccountService } from './account.service.js';
import { adminRoutes } from './admin.controller.js';
import { Credentials } from './credentials.js';
import { DeletionService } from './deletion.service.js';
import { PersonaHooks } from './hooks.js';
import { InviteService } from './invite.service.js';
import { KnownDevices } from './known-devices.js';
import { DEFAULT_THROTTLE_LIMITS, LoginThrottle, type ThrottleLimits } from './login-throttle.js';
import { personaRoutes } from './persona.controller.js';
import { SignupThrottle } from './signup-throttle.js';
import { PersonaService } from './persona.service.js';
import type { PersonaFederation } from './persona-federation.js';
import { requireAdmin, requireSession, sameOriginGuard } from './session-auth.js';
import { SessionService } from './session.service.js';

export type { PersonaFederation, PersonaProfile } from './persona-federation.js';
export { PersonaHooks, type AccountCreatedEvent, type AccountCreatedListener, type AccountDeletedEvent, type AccountDeletedListener, type AccountEvents, type RoleLookup, type SuspensionCheck, type HostedRoomsProvider, type PersonaDeletedEvent, type PersonaDeletedListener, type SessionsChangedEvent, type SessionsChangedListener } from './hooks.js';
export { getAuth, requireAdmin, requireSession, sameOriginGuard, sessionFromCookieHeader, type SessionAuthDeps } from './session-auth.js';
export { SESSION_COOKIE, type ActingPersona, type AuthContext } from './session.service.js';
export { DEVICE_COOKIE } from './known-devices.js';
export { InviteService, MAX_INVITES_AT_ONCE } from './invite.service.js';
export { DELETION_NOTICE, type DeletionReport } from './deletion.service.js';
export type { PersonaExport } from './persona.service.js';
export type { AccountsError } from './errors.js';
export { HANDLE_PATTERN, RESERVED_HANDLES, USERNAME_PATTERN, checkHandle, normalizeHandle, normalizeUsername } from './handles.js';
export { DEFAULT_THROTTLE_LIMITS, type ThrottleLimits } from './login-throttle.js';

/** Request bodies above this are refused with 413. */
const BODY_LIMIT = '64kb';

/** What the accounts router is built from. */
export interface AccountsDeps {
  config: Config;
  store: Store;
  federation: PersonaFederation;
  log: Logger;
  /** The process's persona hooks, shared with the rooms layer; a private registry when omitted. */
  hooks?: PersonaHooks;
  /** Failed-login limits; the defaults are right for production. */
  throttle?: ThrottleLimits;
  /** Clock (tests); Date.now otherwise. */
  now?: () => number;
  /** The registration mode right now (administrators may change it); the configured mode when omitted. */
  registrationMode?: () => Config['accounts']['registration'];
  /** Told after an administrator made invite codes over HTTP (the audit log). */
  onInvitesCreated?: (by: { accountId: string; username: string }, count: number) => Promise<void>;
}

/**
 * Builds the router for every accounts route, all under /api/v1: accounts,
 * sessions, personas, directory, search and admin invites. Mount it with
 * `createApp({ routers: [...] })`; requests for other paths pass through.
 */
export function createAccountsRouter(deps: AccountsDeps): Router {
  const { config, store, federation } = deps;
  const log = deps.log.child({ module: 'accounts' });
  const now = deps.now ?? Date.now;
  const hooks = deps.hooks ?? new PersonaHooks();
  const throttle = new LoginThrottle(deps.throttle ?? DEFAULT_THROTTLE_LIMITS, now);
  const devices = new KnownDevices(store.instance, now);
  const credentials = new Credentials({ store, throttle, devices, log });
  // These three name their own module: they get the parent logger.
  const accounts = new AccountService({
    store, registration: config.accounts.registration, credentials, log: deps.log, hooks,
    ...(deps.registrationMode ? { registrationMode: deps.registrationMode } : {}),
  });
  const sessions = new SessionService({ store, credentials, devices, log, hooks, now });
  const personas = new PersonaService({ store, federation, hooks, maxPersonas: config.accounts.maxPersonas, log: deps.log, now });
  const deletion = new DeletionService({ store, federation, hooks, credentials, log: deps.log, spreadMs: config.accounts.deletionSpreadSeconds * 1000 });
  const invites = new InviteService({ store, now });
  const signups = new SignupThrottle({
    windowMs: 60 * 60_000,
    perClient: config.accounts.signupPerClientPerHour,
    global: config.accounts.signupPerHour,
  }, now);

  const json = express.json({ limit: BODY_LIMIT });
  const session = requireSession({ config, store, now });
  const publicWrite = [sameOriginGuard(config.http.publicUrl), json];
  const signedIn = [session];
  const signedInWrite = [session, json];

  const router = express.Router();
  accountRoutes(router, { config, store, accounts, sessions, deletion, devices, signups, publicWrite, signedIn, signedInWrite, roleOf: (a) => hooks.roleOf(a) });
  personaRoutes(router, { store, publicUrl: config.http.publicUrl, personas, deletion, signedIn, signedInWrite });
  adminRoutes(router, { invites, adminWrite: [session, requireAdmin, json], ...(deps.onInvitesCreated ? { onInvitesCreated: deps.onInvitesCreated } : {}) });
  return router;
}
