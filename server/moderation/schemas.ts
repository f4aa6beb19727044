/**
 * Request bodies and queries of the moderation API, validated at the edge.
 * Objects are strict: an unknown field is a 400. Domain names are checked
 * by the service (a malformed one is a 422 with a message).
 */
import { z } from 'zod';
import { err, ok, type Result } from '../core/result.js';
import type { ModerationErrorOf } from './errors.js';
import { MAX_REPORT_COMMENT } from './reports.js';

const text = (max: number) => z.string().max(max, `at most ${max} characters`).regex(/^(?:[^\p{Cc}]|[\t\r\n])*$/u, 'control characters are not allowed');
const level = z.enum(['suspend', 'limit']);
const reason = text(1000).optional();

export const createBlockBody = z.strictObject({
  domain: z.string().min(1).max(300),
  level,
  reason,
  publicComment: text(500).optional(),
});

export const patchBlockBody = z.strictObject({ level: level.optional(), reason, publicComment: text(500).optional() });

export const reasonBody = z.strictObject({ reason });

/** The comment's length is checked by the route (422), not here (400). */
export const reportBody = z.strictObject({
  target: z.string().min(1).max(2048),
  comment: z.string().default(''),
  roomId: z.string().min(1).max(64).optional(),
  forward: z.boolean().optional(),
});

export const resolveBody = z.strictObject({
  action: z.enum(['dismiss', 'remove_from_room', 'suspend_account', 'block_domain']),
  note: text(1000).optional(),
  roomId: z.string().min(1).max(64).optional(),
  ban: z.boolean().optional(),
  level: level.optional(),
});

export const roleBody = z.strictObject({ role: z.enum(['admin', 'moderator']).nullable() });

export const removeParticipantBody = z.strictObject({ handle: z.string().min(1).max(64), reason, ban: z.boolean().optional() });

export const instanceBody = z.strictObject({
  name: text(100).optional(),
  description: text(2000).optional(),
  rules: z.array(text(500)).max(50).optional(),
  registration: z.enum(['open', 'invite', 'closed']).optional(),
  showDomainBlocks: z.boolean().optional(),
});

const limit = z.coerce.number().int().min(1).max(200).optional();
export const reportsQuery = z.strictObject({ resolved: z.enum(['true', 'false']).optional(), limit, before: z.string().min(1).max(64).optional() });
export const auditQuery = z.strictObject({ limit, before: z.string().regex(/^\d{1,15}$/, 'before: a cursor from a previous page').optional() });

export { MAX_REPORT_COMMENT };

/** Parses with a schema; the first issue becomes a 400 with its path and message. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): Result<z.infer<S>, ModerationErrorOf<'invalid_request'>> {
  const parsed = schema.safeParse(input ?? {});
  if (parsed.success) return ok(parsed.data);
  const issue = parsed.error.issues[0];
  const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
  return err({ kind: 'invalid_request', message: `${where}${issue?.message ?? 'invalid request'}` });
}
