/**
 * Login sessions: a random 256-bit token in an HttpOnly cookie, of which
 * only the SHA-256 is stored. Sessions end after 30 days without use. No IP
 * address and no user agent is kept with them.
 */
import type { Logger } from '../core/logging/logger.js';
import { err, ok, type Result } from '../core/result.js';
import type { AccountRecord, PersonaRecord, SessionRecord, Store } from '../store/index.js';
import type { ClientInfo, Credentials } from './credentials.js';
import type { AccountsErrorOf } from './errors.js';
import type { PersonaHooks } from './hooks.js';
import type { KnownDevices } from './known-devices.js';
import { newSessionToken, randomId, sha256Hex } from './secrets.js';

export const SESSION_COOKIE = 'hearth_session';
/** A session unused this long is over. */
export const SESSION_IDLE_MS = 30 * 24 * 60 * 60_000;
/** lastUsedAt is written at most this often per session (not on every request). */
const TOUCH_EVERY_MS = 60_000;

/** The persona a session acts as: what other routers need of it. */
export interface ActingPersona {
  id: string;
  handle: string;
  displayName: string;
  actorId: string | null;
}

/** Who is making a request: filled in by `requireSession`, read with `getAuth`. */
export interface AuthContext {
  account: { id: string; username: string; isAdmin: boolean };
  session: { id: string; createdAt: Date; lastUsedAt: Date };
  /** `null` until the user picks (or creates a first) persona. */
  persona: ActingPersona | null;
}

export function actingPersona(p: PersonaRecord): ActingPersona {
  return { id: p.id, handle: p.handle, displayName: p.displayName, actorId: p.actorId };
}

/** A new session's token (for the cookie only) and record. */
export interface StartedSession {
  token: string;
  session: SessionRecord;
  account: AccountRecord;
  /** The new value of the known-device cookie. */
  deviceCookie: string;
}

export class SessionService {
  constructor(
    private readonly deps: { store: Pick<Store, 'accounts' | 'personas' | 'sessions'>; credentials: Credentials; devices: KnownDevices; log: Logger; hooks?: PersonaHooks; now?: () => number },
  ) {}

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }

  /** Checks the password (behind the throttle) and starts a session. */
  async login(username: string, password: string, client: ClientInfo): Promise<Result<StartedSession, AccountsErrorOf<'invalid_credentials' | 'rate_limited' | 'account_suspended'>>> {
    const checked = await this.deps.credentials.login(username, password, client);
    if (!checked.ok) return checked;
    const account = checked.value;
    // Told only after the password proved who is asking: a suspension is no one else's business.
    if (this.deps.hooks?.isSuspended(account.id)) return err({ kind: 'account_suspended' });
    const deviceCookie = await this.deps.devices.remember(client.deviceCookie, account.id);
    return ok({ ...(await this.start(account)), deviceCookie });
  }

  /**
   * Starts a session for an account that just proved itself (login or
   * registration). With exactly one persona, the session acts as it; with
   * several, the user picks explicitly: acting as the wrong persona by
   * default could out someone.
   */
  async start(account: AccountRecord): Promise<{ token: string; session: SessionRecord; account: AccountRecord }> {
    const now = new Date(this.now());
    // Housekeeping on a path that is rare and not latency-critical.
    await this.deps.store.sessions.deleteIdleSince(new Date(now.getTime() - SESSION_IDLE_MS));
    const personas = await this.deps.store.personas.listByAccount(account.id);
    const token = newSessionToken();
    const session: SessionRecord = {
      id: randomId(),
      accountId: account.id,
      actingPersonaId: personas.length === 1 && personas[0] ? personas[0].id : null,
      createdAt: now,
      lastUsedAt: now,
    };
    await this.deps.store.sessions.create(session, sha256Hex(token));
    return { token, session, account };
  }

  list(accountId: string): Promise<SessionRecord[]> {
    return this.deps.store.sessions.listByAccount(accountId);
  }

  /**
   * Ends one of the account's sessions; another account's session is "not
   * found". Live connections of the session are cut before this resolves.
   */
  async revoke(accountId: string, sessionId: string): Promise<Result<void, AccountsErrorOf<'session_not_found'>>> {
    if (!(await this.deps.store.sessions.delete(sessionId, accountId))) return err({ kind: 'session_not_found' });
    await this.deps.hooks?.emitSessionsChanged({ accountId });
    return ok(undefined);
  }
}

/**
 * Turns a session token into the request's identity. Stateless apart from
 * the store, so every router that needs sessions can build one.
 */
export class SessionResolver {
  constructor(private readonly store: Pick<Store, 'accounts' | 'personas' | 'sessions'>, private readonly now: () => number = Date.now) {}

  /**
   * The request's identity for a session token, or `undefined` when the
   * token is unknown or the session idled out (it is then deleted).
   * `touched` says lastUsedAt moved (the cookie's lifetime may be renewed).
   */
  async resolve(token: string): Promise<{ auth: AuthContext; touched: boolean } | undefined> {
    const { store } = this;
    const session = await store.sessions.findByTokenHash(sha256Hex(token));
    if (!session) return undefined;
    const now = this.now();
    if (session.lastUsedAt.getTime() + SESSION_IDLE_MS <= now) {
      await store.sessions.delete(session.id, session.accountId);
      return undefined;
    }
    const account = await store.accounts.findById(session.accountId);
    if (!account) return undefined;
    const persona = session.actingPersonaId ? await store.personas.findById(session.actingPersonaId) : undefined;
    const touched = now - session.lastUsedAt.getTime() >= TOUCH_EVERY_MS;
    if (touched) await store.sessions.touch(session.id, new Date(now));
    return {
      auth: {
        account: { id: account.id, username: account.username, isAdmin: account.isAdmin },
        session: { id: session.id, createdAt: session.createdAt, lastUsedAt: touched ? new Date(now) : session.lastUsedAt },
        persona: persona && persona.accountId === account.id ? actingPersona(persona) : null,
      },
      touched,
    };
  }
}
