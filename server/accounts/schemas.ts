/**
 * Request bodies and queries, validated at the edge. Every object is strict:
 * an unknown field is a 400, never silently ignored.
 */
import { z } from 'zod';
import { err, ok, type Result } from '../core/result.js';
import type { AccountsErrorOf } from './errors.js';
import { USERNAME_PATTERN } from './handles.js';

const username = z
  .string()
  .transform((s) => s.toLowerCase())
  .pipe(z.string().regex(USERNAME_PATTERN, 'a username is 3 to 32 characters: letters, digits, "_", "." or "-"'));
const password = z.string().min(10, 'a password has at least 10 characters').max(256, 'a password has at most 256 characters');
/** Any string a user may have typed; the services check the rules (and answer 422). */
const handle = z.string().min(1).max(64);
/** Printable text: control characters (other than line breaks in summaries) are refused. */
const displayName = z
  .string()
  .trim()
  .min(1, 'a display name cannot be empty')
  .max(100)
  .regex(/^[^\p{Cc}]*$/u, 'a display name cannot contain control characters');
const summary = z
  .string()
  .max(1000)
  .regex(/^(?:[^\p{Cc}]|[\t\r\n])*$/u, 'a summary cannot contain control characters other than tabs and line breaks');
const oneTimeCode = z.string().min(1).max(64);

export const registerBody = z.strictObject({ username, password, inviteCode: oneTimeCode.optional() });
export const loginBody = z.strictObject({ username: z.string().min(1).max(64), password: z.string().min(1).max(256) });
export const recoverBody = z.strictObject({ username: z.string().min(1).max(64), recoveryCode: oneTimeCode, newPassword: password });
export const passwordBody = z.strictObject({ password: z.string().min(1).max(256) });
export const emptyBody = z.strictObject({});
export const createPersonaBody = z.strictObject({ handle, displayName, summary: summary.optional() });
export const updatePersonaBody = z
  .strictObject({ displayName: displayName.optional(), summary: summary.optional(), discoverable: z.boolean().optional(), approveFollowers: z.boolean().optional() })
  .refine((p) => Object.values(p).some((v) => v !== undefined), 'name at least one of displayName, summary, discoverable, approveFollowers');

const limit = z
  .string()
  .regex(/^\d{1,3}$/, 'limit is a number from 1 to 100')
  .transform(Number)
  .pipe(z.number().int().min(1, 'limit is a number from 1 to 100').max(100, 'limit is a number from 1 to 100'));
export const directoryQuery = z.strictObject({ limit: limit.optional(), after: handle.optional() });
export const searchQuery = z.strictObject({ q: z.string().trim().min(1, 'q: say what to search for').max(100), limit: limit.optional() });

/** Parses input against a schema; the first problem becomes a one-line 400 message. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): Result<z.output<S>, AccountsErrorOf<'invalid_request'>> {
  const parsed = schema.safeParse(input ?? {});
  if (parsed.success) return ok(parsed.data);
  const issue = parsed.error.issues[0];
  if (!issue) return err({ kind: 'invalid_request', message: 'invalid request' });
  if (issue.code === 'unrecognized_keys') {
    return err({ kind: 'invalid_request', message: `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}` });
  }
  const where = issue.path.length > 0 ? `${issue.path.map(String).join('.')}: ` : '';
  return err({ kind: 'invalid_request', message: `${where}${issue.message}` });
}
