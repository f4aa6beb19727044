/**
 * Session cookies, CSRF rules and the `requireSession` middleware that every
 * router needing a signed-in user mounts. `getAuth(req)` then answers who is
 * acting, typed.
 *
 * CSRF: a state-changing request must be JSON (a cross-site form cannot send
 * `application/json` without a CORS preflight, which this server never
 * grants) and, when it names an Origin, come from this server's public origin.
 */
import { parse as parseCookieHeader } from 'cookie';
import type { CookieOptions, Request, RequestHandler, Response } from 'express';
import type { Config } from '../../config/index.js';
import type { Store } from '../store/index.js';
import { sendAccountsError } from './http-errors.js';
import { DEVICE_COOKIE, DEVICE_TTL_MS } from './known-devices.js';
import { SESSION_COOKIE, SESSION_IDLE_MS, SessionResolver, type AuthContext } from './session.service.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const TOKEN = /^[A-Za-z0-9_-]{43}$/;

/** One cookie of the request, parsed by `cookie` (the parser express itself uses); undefined when absent. */
export function readCookie(req: Request, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  // `cookie` decodes percent-escapes and keeps a value it cannot decode as it came.
  return parseCookieHeader(header)[name];
}

/** Cookie attributes: HttpOnly, SameSite=Lax, Secure when the public URL is https. */
export function sessionCookieOptions(publicUrl: string): CookieOptions {
  return { httpOnly: true, sameSite: 'lax', secure: publicUrl.startsWith('https:'), path: '/', maxAge: SESSION_IDLE_MS };
}

export function setSessionCookie(res: Response, publicUrl: string, token: string): void {
  res.cookie(SESSION_COOKIE, token, sessionCookieOptions(publicUrl));
}

export function clearSessionCookie(res: Response, publicUrl: string): void {
  const { maxAge: _unused, ...options } = sessionCookieOptions(publicUrl);
  res.clearCookie(SESSION_COOKIE, options);
}

/** The known-device cookie: only the API needs it, and only from this site. */
export function setDeviceCookie(res: Response, publicUrl: string, value: string): void {
  res.cookie(DEVICE_COOKIE, value, { httpOnly: true, sameSite: 'strict', secure: publicUrl.startsWith('https:'), path: '/api/v1', maxAge: DEVICE_TTL_MS });
}

function isJson(req: Request): boolean {
  const type = req.get('content-type');
  return type !== undefined && type.split(';')[0]?.trim().toLowerCase() === 'application/json';
}

/**
 * The CSRF rules for state-changing requests: a foreign Origin is refused;
 * a body that is not JSON is refused (403 when a session cookie came along,
 * as that is what a forged request looks like; 415 otherwise).
 */
export function sameOriginGuard(publicUrl: string): RequestHandler {
  const origin = new URL(publicUrl).origin;
  return (req, res, next) => {
    if (SAFE_METHODS.has(req.method)) return next();
    const given = req.get('origin');
    if (given !== undefined && given !== origin) return sendAccountsError(res, { kind: 'cross_origin' });
    if (!isJson(req)) {
      const signedIn = readCookie(req, SESSION_COOKIE) !== undefined;
      return sendAccountsError(res, { kind: signedIn ? 'csrf_content_type' : 'unsupported_media_type' });
    }
    next();
  };
}

const contexts = new WeakMap<Request, AuthContext>();

/** Who is acting in this request. Only valid behind {@link requireSession}. */
export function getAuth(req: Request): AuthContext {
  const auth = contexts.get(req);
  if (!auth) throw new Error('getAuth called on a request that did not pass requireSession');
  return auth;
}

/** What {@link requireSession} needs. */
export interface SessionAuthDeps {
  config: Pick<Config, 'http'>;
  store: Store;
  /** Clock for tests; Date.now otherwise. */
  now?: () => number;
}

/**
 * Middleware: applies the CSRF rules, then answers 401 unless the request
 * carries a live session cookie. Renews the cookie's lifetime as the session
 * is used, so that it expires after 30 idle days, not 30 days after login.
 */
export function requireSession(deps: SessionAuthDeps): RequestHandler {
  const guard = sameOriginGuard(deps.config.http.publicUrl);
  const resolver = new SessionResolver(deps.store, deps.now);
  return (req, res, next) => {
    guard(req, res, () => {
      const token = readCookie(req, SESSION_COOKIE);
      if (!token || !TOKEN.test(token)) return sendAccountsError(res, { kind: 'not_authenticated' });
      resolver.resolve(token).then((resolved) => {
        if (!resolved) {
          clearSessionCookie(res, deps.config.http.publicUrl);
          return sendAccountsError(res, { kind: 'not_authenticated' });
        }
        contexts.set(req, resolved.auth);
        if (resolved.touched) setSessionCookie(res, deps.config.http.publicUrl, token);
        next();
      }, next);
    });
  };
}

/** Middleware behind {@link requireSession}: 403 unless the account is an administrator. */
export const requireAdmin: RequestHandler = (req, res, next) => {
  if (!getAuth(req).account.isAdmin) return sendAccountsError(res, { kind: 'not_admin' });
  next();
};

/**
 * Who a raw Cookie header belongs to, for transports that are not express
 * routes (the signaling WebSocket upgrade): the session's identity, or
 * undefined without a live session. Does not renew the cookie.
 */
export function sessionFromCookieHeader(deps: SessionAuthDeps): (cookieHeader: string | undefined) => Promise<AuthContext | undefined> {
  const resolver = new SessionResolver(deps.store, deps.now);
  return async (cookieHeader) => {
    if (!cookieHeader) return undefined;
    const token = readCookie({ headers: { cookie: cookieHeader } } as Request, SESSION_COOKIE);
    if (!token || !TOKEN.test(token)) return undefined;
    return (await resolver.resolve(token))?.auth;
  };
}
