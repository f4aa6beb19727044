/**
 * Documents shaped as activitypub-express stores them (compacted JSON-LD with
 * `@set` containers: nearly every property is an array; private `_meta`).
 */
import type { ApexDocument } from '../../server/store/index.js';

export const BASE = 'https://hearth.test';

/** A collection IRI of a local actor, e.g. `collection('alice', 'inbox')`. */
export function collection(name: string, stream: string): string {
  return `${BASE}/u/${name}/${stream}`;
}

/** A `Person`; local ones (with `privateKey`) count as users. */
export function person(name: string, options: { local?: boolean; host?: string } = {}): ApexDocument {
  const id = `${options.host ?? BASE}/u/${name}`;
  const doc: ApexDocument = {
    id,
    type: 'Person',
    preferredUsername: [name],
    inbox: [`${id}/inbox`],
    outbox: [`${id}/outbox`],
    followers: [`${id}/followers`],
    following: [`${id}/following`],
  };
  if (options.local) doc._meta = { privateKey: `-----BEGIN PRIVATE KEY----- ${name}` };
  return doc;
}

/** A `Note` object. */
export function note(slug: string, content: string, extra: ApexDocument = {}): ApexDocument {
  return { id: `${BASE}/o/${slug}`, type: 'Note', attributedTo: [`${BASE}/u/alice`], content: [content], ...extra };
}

/** An activity by `actor`, member of `collections`. */
export function activity(
  slug: string,
  type: string,
  actor: string,
  object: unknown[] | undefined,
  collections: string[] = [],
  extra: ApexDocument = {},
): ApexDocument {
  const doc: ApexDocument = {
    id: `${BASE}/s/${slug}`,
    type,
    actor: [actor],
    to: ['https://www.w3.org/ns/activitystreams#Public'],
    published: '2024-01-01T00:00:00.000Z',
    ...extra,
  };
  if (object !== undefined) doc.object = object;
  if (collections.length > 0) doc._meta = { collection: collections };
  return doc;
}

/** A copy without the given keys: what a projection leaves. */
export function without(doc: ApexDocument, ...keys: string[]): ApexDocument {
  const copy = { ...doc };
  for (const key of keys) delete copy[key];
  return copy;
}

/** A deep copy, to check that a store did not change its argument. */
export function clone<T>(value: T): T {
  return structuredClone(value);
}
