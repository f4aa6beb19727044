/**
 * Pure helpers that give JSON documents stored as text the observable
 * behaviour of apex's MongoDB store: projections, `$set`/`$unset` patches,
 * `$addToSet`/`$pull` on `_meta`, and which values a query by field matches.
 *
 * No key escaping: apex escapes `$` and `.` in keys (mongo-escape) only
 * because BSON field names cannot hold them; JSON text keeps any key, so
 * documents round-trip unchanged, which is what apex relies on.
 */
import type { ApexDocument } from '../port.js';

/** Kinds of rows in `apex_stream_refs` (see migration 1). */
export type StreamRefKind = 'collection' | 'actor' | 'object' | 'object.id';

/** A stream ref row: `[kind, value]`. */
export type StreamRef = readonly [StreamRefKind, string];

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * JSON text of a document. `undefined` properties become `null`, as the
 * MongoDB driver stores them (its `ignoreUndefined` is off by default).
 */
export function toJson(value: unknown): string {
  const text = JSON.stringify(value, (_key, v: unknown) => (v === undefined ? null : v));
  // JSON.stringify answers undefined for a top-level undefined or function.
  if (typeof text !== 'string') throw new TypeError('value is not JSON-serializable');
  return text;
}

export function parseDocument(text: string): ApexDocument {
  return JSON.parse(text) as ApexDocument;
}

/** A copy without the given top-level keys (a MongoDB exclusion projection). */
export function omitKeys(doc: ApexDocument, ...keys: string[]): ApexDocument {
  const copy: ApexDocument = { ...doc };
  for (const key of keys) delete copy[key];
  return copy;
}

/**
 * The strings a MongoDB equality query on this field would match: the value
 * itself if it is a string, else its string elements.
 */
export function stringValues(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return [];
}

/** Whether a MongoDB equality query `{ field: wanted }` matches this field value. */
export function fieldMatches(value: unknown, wanted: string): boolean {
  return stringValues(value).includes(wanted);
}

/** The index rows of a stream document (see migration 1 for their uses). */
export function streamRefs(doc: ApexDocument): StreamRef[] {
  const refs: StreamRef[] = [];
  const meta = doc._meta;
  for (const c of stringValues(isPlainObject(meta) ? meta.collection : undefined)) refs.push(['collection', c]);
  for (const a of stringValues(doc.actor)) refs.push(['actor', a]);
  for (const o of stringValues(doc.object)) refs.push(['object', o]);
  for (const id of embeddedObjectIds(doc.object)) refs.push(['object.id', id]);
  return refs;
}

function embeddedObjectIds(object: unknown): string[] {
  const candidates = Array.isArray(object) ? object : [object];
  return candidates.flatMap((o) => (isPlainObject(o) && typeof o.id === 'string' ? [o.id] : []));
}

/** apex's local-user query: `{ type: 'Person', '_meta.privateKey': { $exists: true } }`. */
export function isLocalUser(doc: ApexDocument): boolean {
  const meta = doc._meta;
  return fieldMatches(doc.type, 'Person') && isPlainObject(meta) && Object.hasOwn(meta, 'privateKey');
}

/** The id apex addresses documents by; apex always sets one. */
export function documentId(doc: { id?: unknown }): string {
  if (typeof doc.id !== 'string' || doc.id === '') {
    throw new TypeError('ApexStore: document has no string id');
  }
  return doc.id;
}

/**
 * apex's `objectToUpdateDoc` applied: top-level keys other than `id` are set,
 * `null` values unset. Like MongoDB, a patch with nothing to change is refused.
 */
export function applyPatch(doc: ApexDocument, patch: ApexDocument): ApexDocument {
  const entries = Object.entries(patch).filter(([key]) => key !== 'id');
  if (entries.length === 0) throw new Error('Update document requires atomic operators');
  const updated: ApexDocument = { ...doc };
  for (const [key, value] of entries) {
    if (value === null) delete updated[key];
    else updated[key] = value;
  }
  return updated;
}

/**
 * `$addToSet` (or `$pull` when `remove`) of `value` at `_meta.<key>` (a
 * dotted path, as MongoDB reads it). Equality is on JSON text, which like
 * BSON equality is sensitive to key order.
 */
export function updateMetaSet(doc: ApexDocument, key: string, value: unknown, remove: boolean): ApexDocument {
  const updated = parseDocument(toJson(doc));
  const segments = ['_meta', ...key.split('.')];
  const last = segments.pop() as string;
  let parent: Record<string, unknown> = updated;
  for (const segment of segments) {
    const next = parent[segment];
    if (next === undefined) {
      if (remove) return updated;
      parent = parent[segment] = {};
    } else if (isPlainObject(next)) {
      parent = next;
    } else {
      throw new Error(`Cannot update _meta.${key}: ${segment} is not an object`);
    }
  }
  const current = parent[last];
  const wanted = toJson(value);
  if (current === undefined) {
    if (!remove) parent[last] = [parseDocument(wanted)];
    return updated;
  }
  if (!Array.isArray(current)) {
    throw new Error(`Cannot apply ${remove ? '$pull' : '$addToSet'} to non-array field _meta.${key}`);
  }
  if (remove) {
    parent[last] = current.filter((element) => toJson(element) !== wanted);
  } else if (!current.some((element) => toJson(element) === wanted)) {
    current.push(parseDocument(wanted));
  }
  return updated;
}

/**
 * MongoDB's `{ $set: { 'object.$[e]': replacement } }` with array filter
 * `{ 'e.id': id }`: every embedded object with that id in the `object` array
 * is replaced. A non-array `object` is left alone (MongoDB would fail the
 * update; apex always stores arrays). Answers `undefined` when nothing changed.
 */
export function replaceEmbeddedObject(doc: ApexDocument, replacement: ApexDocument, id: string): ApexDocument | undefined {
  if (!Array.isArray(doc.object)) return undefined;
  let changed = false;
  const object = doc.object.map((element: unknown) => {
    if (isPlainObject(element) && element.id === id) {
      changed = true;
      return parseDocument(toJson(replacement));
    }
    return element;
  });
  return changed ? { ...doc, object } : undefined;
}

/**
 * apex's getStream projection `{ _meta: 0, 'object._id': 0, 'object._meta': 0 }`
 * on one activity, with `actor` already looked up.
 */
export function projectStreamItem(doc: ApexDocument, cursor: string, actors: ApexDocument[]): ApexDocument & { _id: string } {
  const strip = (value: unknown): unknown => (isPlainObject(value) ? omitKeys(value, '_id', '_meta') : value);
  const rest = omitKeys(doc, '_id', '_meta');
  const item: ApexDocument & { _id: string } = { _id: cursor, ...rest, actor: actors.map((a) => omitKeys(a, '_id', '_meta')) };
  if (Array.isArray(rest.object)) item.object = rest.object.map(strip);
  else if (rest.object !== undefined) item.object = strip(rest.object);
  return item;
}

/** Stream rowids as 24 hex digits: the shape of a MongoDB ObjectId cursor. */
export function formatCursor(rowid: number): string {
  return rowid.toString(16).padStart(24, '0');
}

/**
 * Parses a page cursor as MongoDB's `ObjectId.isValid` + `new ObjectId()` do:
 * 24 hex digits, or any string of 12 bytes taken as the raw id. The error
 * message is apex's MongoDB store's.
 */
export function parseCursor(after: string): number {
  let hex: string | undefined;
  if (typeof after === 'string' && /^[0-9a-fA-F]{24}$/.test(after)) hex = after;
  else if (typeof after === 'string' && Buffer.byteLength(after) === 12) hex = Buffer.from(after).toString('hex');
  if (hex === undefined) throw new Error('ApexStore: invalid page value');
  const value = BigInt(`0x${hex}`);
  return value > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(value);
}

