/**
 * The client's one door to the HTTP API: JSON in and out, same origin, the
 * session cookie sent by the browser. Failures become {@link ApiError}s whose
 * message a person can read (the server's own message, or a plain one for
 * network trouble).
 */

/** A failed API call: the HTTP status (0: the server was not reached), the error code and a readable message. */
export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

/** Messages for the codes whose server wording is written for developers. */
const FRIENDLY: Record<string, string> = {
  not_authenticated: 'Your session has ended. Please sign in again.',
  no_persona: 'Pick or create a persona first: everything you do here is done as one of your personas.',
  remote_unavailable: 'That server could not be reached, or did not answer as expected. Try again later.',
  not_found: 'Nothing was found there. Check the handle or link for typos.',
  bad_address: 'Write the handle as @name@server.example.',
  no_request: 'This follow request no longer exists: it was withdrawn, or already answered (perhaps in another tab).',
  not_moderator: 'Not allowed: only moderators and administrators of this instance may do this.',
  not_admin: 'Not allowed: only administrators of this instance may do this.',
  own_domain: 'That is this instance’s own domain (or a domain that contains it): it cannot be blocked.',
  already_blocked: 'That domain is blocked already: change its level in the list of blocks instead.',
  report_resolved: 'This report was resolved already, perhaps by another moderator.',
  report_not_found: 'This report no longer exists.',
  account_not_found: 'No account has this username here. Usernames are private sign-in names, not persona handles.',
};

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export async function api<T = unknown>(method: Method, path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: { Accept: 'application/json', ...(method !== 'GET' ? { 'Content-Type': 'application/json' } : {}) },
      ...(method !== 'GET' ? { body: JSON.stringify(body ?? {}) } : {}),
    });
  } catch {
    throw new ApiError(0, 'network', 'The server could not be reached. Check your connection and try again.');
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let data: unknown = undefined;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    data = undefined;
  }
  if (!res.ok) {
    const e = (data ?? {}) as { error?: unknown; message?: unknown };
    const code = typeof e.error === 'string' ? e.error : `http_${res.status}`;
    const given = typeof e.message === 'string' ? e.message : undefined;
    const message = FRIENDLY[code] ?? (given ? sentence(given) : `The server answered with an error (${res.status}). Try again.`);
    throw new ApiError(res.status, code, message);
  }
  return data as T;
}

/** "wrong password; nothing was changed" -> "Wrong password; nothing was changed." */
export function sentence(s: string): string {
  const t = s.trim();
  if (!t) return t;
  return t[0]!.toUpperCase() + t.slice(1) + (/[.!?]$/.test(t) ? '' : '.');
}

/** The message of anything thrown. */
export function messageOf(e: unknown): string {
  if (e instanceof ApiError) return e.message;
  if (e instanceof Error && e.message) return sentence(e.message);
  return 'Something went wrong. Try again.';
}

/** Types of the API answers the pages use. */
export type Role = 'admin' | 'moderator';
export interface Me { username: string; isAdmin: boolean; role: Role | null; actingPersona: string | null; recoveryCodesLeft: number }
export interface Persona { handle: string; displayName: string; summary: string; actorId: string; discoverable: boolean; approveFollowers: boolean; acting: boolean }
export interface InstanceInfo { name: string; host: string; description: string; rules: string[]; registration: 'open' | 'invite' | 'closed'; maxPersonas: number }
export interface RoomView {
  id: string; url: string; title: string; description: string; visibility: 'public' | 'unlisted' | 'followers' | 'invite';
  state: 'scheduled' | 'live' | 'ended'; maxSpeakers: number; host: { handle: string | null; displayName: string | null };
  createdAt: string; scheduledFor: string | null; startedAt: string | null; endedAt: string | null;
  speakerCount: number; listenerCount: number; remote: boolean; origin: string;
}
export interface DeletionReport { receipts: { handle: string; receiptId: string }[]; notice: string; sessionEnded?: boolean }
export interface Receipt { id: string; createdAt: string; instances: { host: string; state: 'pending' | 'acknowledged' | 'failed'; status?: number; attempts: number; lastAttemptAt?: string }[] }
