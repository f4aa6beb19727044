/** Room request bodies, validated at the edge; every object is strict. */
import { z } from 'zod';
import { err, ok, type Result } from '../core/result.js';
import type { RoomLifecycleError } from './errors.js';

const text = (max: number) => z.string().max(max).regex(/^(?:[^\p{Cc}]|[\t\r\n])*$/u, 'control characters are not allowed');

export const createRoomBody = z.strictObject({
  title: z.string().trim().min(1, 'a title cannot be empty').max(200).regex(/^[^\p{Cc}]*$/u, 'a title cannot contain control characters'),
  description: text(2000).optional(),
  visibility: z.enum(['public', 'unlisted', 'followers', 'invite']),
  scheduledFor: z.iso.datetime({ offset: true }).transform((s) => new Date(s)).optional(),
  maxSpeakers: z.number().int().min(1).max(50).optional(),
});

/** The host renames or re-describes a room: at least one field. */
export const updateRoomBody = z.strictObject({
  title: z.string().trim().min(1, 'a title cannot be empty').max(200).regex(/^[^\p{Cc}]*$/u, 'a title cannot contain control characters').optional(),
  description: text(2000).optional(),
}).refine((b) => b.title !== undefined || b.description !== undefined, 'give a title or a description to change');

export const emptyBody = z.strictObject({});

/** Invites a local persona by its handle. */
export const inviteBody = z.strictObject({
  handle: z.string().trim().min(1, 'a handle cannot be empty').max(100).regex(/^[^\p{Cc}\s]*$/u, 'a handle cannot contain spaces or control characters'),
});

/** Parses input; the first problem becomes a one-line 400 message. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): Result<z.output<S>, RoomLifecycleError> {
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
