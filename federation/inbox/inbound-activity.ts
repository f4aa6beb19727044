import { z } from 'zod';

const iri = z.string().url().max(2048);
const reference = z.union([iri, z.object({ id: iri }).passthrough()]);
const references = z.union([reference, z.array(reference).max(100)]);

/**
 * The edge schema of an inbound activity: only what this server acts on is
 * typed; everything else is kept but never indexed into.
 */
const activitySchema = z
  .object({
    id: iri,
    type: z.union([z.string().min(1).max(64), z.array(z.string().min(1).max(64)).min(1).max(4)]),
    actor: reference,
    object: references.optional(),
    content: z.string().max(10_000).optional(),
  })
  .passthrough();

/** An inbound activity after parsing: ids normalised, embedded objects kept aside. */
export interface InboundActivity {
  id: string;
  type: string;
  actorId: string;
  /** Ids of the object(s), whether referenced or embedded. */
  objectIds: string[];
  /** Embedded object documents by id (not yet trusted: see verify). */
  embedded: Map<string, Record<string, unknown>>;
  content: string;
  raw: Record<string, unknown>;
}

function idOf(ref: z.infer<typeof reference>): string {
  return typeof ref === 'string' ? ref : ref.id;
}

export type ParseFailure = { kind: 'not-an-activity'; message: string };

/** Parses a JSON body into an InboundActivity, or says what is wrong. */
export function parseInboundActivity(body: unknown): { ok: true; value: InboundActivity } | { ok: false; error: ParseFailure } {
  const parsed = activitySchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.join('.') || 'body';
    return { ok: false, error: { kind: 'not-an-activity', message: `${where}: ${issue?.message ?? 'invalid'}` } };
  }
  const a = parsed.data;
  const objects = a.object === undefined ? [] : Array.isArray(a.object) ? a.object : [a.object];
  const embedded = new Map<string, Record<string, unknown>>();
  for (const o of objects) if (typeof o !== 'string') embedded.set(o.id, o);
  return {
    ok: true,
    value: {
      id: a.id,
      type: Array.isArray(a.type) ? (a.type[0] ?? '') : a.type,
      actorId: idOf(a.actor),
      objectIds: objects.map(idOf),
      embedded,
      content: a.content ?? '',
      raw: a,
    },
  };
}

/** Same origin (scheme, host, port) of two URLs. */
export function sameOrigin(a: string, b: string): boolean {
  try {
    return new URL(a).origin === new URL(b).origin;
  } catch {
    return false;
  }
}
