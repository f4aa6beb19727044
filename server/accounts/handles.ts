/**
 * Rules for usernames (private login names) and handles (public persona
 * names). They never mix: a username is never shown, federated nor used to
 * derive a handle.
 */
import { err, ok, type Result } from '../core/result.js';

/** Login names: case-insensitive, stored in lowercase. */
export const USERNAME_PATTERN = /^[a-z0-9_.-]{3,32}$/;

/** Handles: the local part of `@handle@instance`, stored in lowercase. */
export const HANDLE_PATTERN = /^[a-z0-9_]{1,30}$/;

export function normalizeUsername(input: string): string {
  return input.toLowerCase();
}

export function normalizeHandle(input: string): string {
  return input.toLowerCase();
}

/**
 * Handles that would let a persona pass for the instance, its staff or a
 * protocol endpoint, or that mean "everybody" in mentions.
 */
export const RESERVED_HANDLES: ReadonlySet<string> = new Set([
  'about', 'abuse', 'account', 'accounts', 'actor', 'admin', 'administrator', 'admins', 'all', 'anonymous', 'api',
  'assets', 'auth', 'channel', 'contact', 'copyright', 'directory', 'dmca', 'everyone', 'explore', 'followers',
  'following', 'guest', 'healthz', 'hearth', 'help', 'here', 'hostmaster', 'inbox', 'info', 'instance', 'legal',
  'login', 'logout', 'mail', 'media', 'mod', 'moderator', 'moderators', 'mods', 'nobody', 'nodeinfo', 'noreply',
  'no_reply', 'null', 'oauth', 'official', 'operator', 'outbox', 'owner', 'persona', 'personas', 'postmaster',
  'privacy', 'public', 'register', 'relay', 'room', 'rooms', 'root', 'search', 'security', 'server', 'service',
  'session', 'sessions', 'settings', 'shared_inbox', 'sharedinbox', 'signup', 'staff', 'static', 'status', 'support',
  'sysadmin', 'system', 'team', 'terms', 'tos', 'undefined', 'user', 'users', 'webfinger', 'webmaster', 'well_known',
  'wellknown', 'www',
]);

export type HandleError = { kind: 'handle_invalid' } | { kind: 'handle_reserved' };

/**
 * Checks a normalized handle. Reserved words are also refused with digits or
 * underscores around them (`admin_`, `_support2`): they impersonate as well.
 */
export function checkHandle(handle: string): Result<string, HandleError> {
  if (!HANDLE_PATTERN.test(handle)) return err({ kind: 'handle_invalid' });
  const core = handle.replace(/^[_0-9]+|[_0-9]+$/g, '');
  if (RESERVED_HANDLES.has(handle) || RESERVED_HANDLES.has(core)) return err({ kind: 'handle_reserved' });
  return ok(handle);
}
