/**
 * The `query` argument of getStream: extra MongoDB aggregation stages that
 * apex's MongoDB store splices in after its collection `$match`, before the
 * sort and limit.
 *
 * apex 4.4.2 itself never passes one (getCollection forwards its `query`
 * argument, and no caller inside apex sets it); apex's own test suite passes
 * `[{ $match: { type: 'Arrive' } }]`, and applications filter streams the same
 * way. So the SQLite store supports exactly this: any number of `$match`
 * stages whose filter uses
 *   - `{ <path>: <scalar> }` equality (string, number, boolean or null),
 *   - `{ <path>: { $eq | $ne: <scalar>, $in | $nin: [<scalar>...], $exists: <boolean> } }`,
 *   - `$and` / `$or` / `$nor` over such filters,
 * where `<path>` is a dotted field path, read with MongoDB's semantics: arrays
 * are traversed and an equality matches a field that equals the value or an
 * array that contains it. Any other stage or operator throws.
 */
import type { ApexDocument } from '../port.js';
import { isPlainObject } from './apex-documents.js';

/** A compiled `query`: whether an activity passes every stage. */
export type StreamPredicate = (doc: ApexDocument) => boolean;

type Scalar = string | number | boolean | null;

const SUPPORTED =
  'supported: [{ $match: { <path>: <scalar> | { $eq, $ne, $in, $nin, $exists } } }] with $and/$or/$nor';

/** Compiles `query`; `undefined` when there is nothing to filter. Throws on unsupported shapes. */
export function compileStreamQuery(query: readonly Record<string, unknown>[] | null | undefined): StreamPredicate | undefined {
  if (query === null || query === undefined) return undefined;
  if (!Array.isArray(query)) throw unsupported(query, 'query must be an array of aggregation stages');
  if (query.length === 0) return undefined;
  const predicates = query.map((stage: unknown) => {
    if (!isPlainObject(stage) || Object.keys(stage).length !== 1 || !Object.hasOwn(stage, '$match')) {
      throw unsupported(stage, 'only $match stages');
    }
    return compileFilter(stage.$match, stage);
  });
  return (doc) => predicates.every((p) => p(doc));
}

function compileFilter(filter: unknown, stage: unknown): StreamPredicate {
  if (!isPlainObject(filter)) throw unsupported(stage, '$match needs an object');
  const parts = Object.entries(filter).map(([key, condition]): StreamPredicate => {
    if (key === '$and' || key === '$or' || key === '$nor') {
      if (!Array.isArray(condition) || condition.length === 0) throw unsupported(stage, `${key} needs a non-empty array`);
      const subs = condition.map((sub) => compileFilter(sub, stage));
      if (key === '$and') return (doc) => subs.every((p) => p(doc));
      if (key === '$or') return (doc) => subs.some((p) => p(doc));
      return (doc) => !subs.some((p) => p(doc));
    }
    if (key.startsWith('$') || key === '') throw unsupported(stage, `operator ${key}`);
    return compileCondition(key.split('.'), condition, stage);
  });
  return (doc) => parts.every((p) => p(doc));
}

function compileCondition(path: string[], condition: unknown, stage: unknown): StreamPredicate {
  if (isScalar(condition)) return (doc) => equals(valuesAt(doc, path), condition);
  if (!isPlainObject(condition) || Object.keys(condition).length === 0) throw unsupported(stage, `condition on ${path.join('.')}`);
  const checks = Object.entries(condition).map(([op, operand]): ((values: unknown[]) => boolean) => {
    switch (op) {
      case '$eq':
      case '$ne': {
        if (!isScalar(operand)) throw unsupported(stage, `${op} needs a scalar`);
        return op === '$eq' ? (values) => equals(values, operand) : (values) => !equals(values, operand);
      }
      case '$in':
      case '$nin': {
        if (!Array.isArray(operand) || !operand.every(isScalar)) throw unsupported(stage, `${op} needs an array of scalars`);
        const list: Scalar[] = operand;
        const any = (values: unknown[]): boolean => list.some((wanted) => equals(values, wanted));
        return op === '$in' ? any : (values) => !any(values);
      }
      case '$exists': {
        if (typeof operand !== 'boolean') throw unsupported(stage, '$exists needs a boolean');
        return (values) => (values.length > 0) === operand;
      }
      default:
        throw unsupported(stage, `operator ${op}`);
    }
  });
  return (doc) => {
    const values = valuesAt(doc, path);
    return checks.every((check) => check(values));
  };
}

/**
 * The values MongoDB would compare for a dotted path: arrays on the way are
 * traversed (and numeric segments index them); a missing field gives none.
 */
function valuesAt(value: unknown, path: readonly string[]): unknown[] {
  const [head, ...rest] = path;
  if (head === undefined) return [value];
  if (Array.isArray(value)) {
    const found: unknown[] = [];
    if (/^\d+$/.test(head) && Number(head) < value.length) found.push(...valuesAt(value[Number(head)], rest));
    for (const element of value) {
      if (isPlainObject(element)) found.push(...valuesAt(element, path));
    }
    return found;
  }
  if (isPlainObject(value) && Object.hasOwn(value, head)) return valuesAt(value[head], rest);
  return [];
}

/** MongoDB equality: a value equal to `wanted` or an array holding it; `null` also matches a missing field. */
function equals(values: unknown[], wanted: Scalar): boolean {
  if (wanted === null && values.length === 0) return true;
  return values.some((v) => v === wanted || (Array.isArray(v) && v.some((e) => e === wanted)));
}

function isScalar(value: unknown): value is Scalar {
  return value === null || ['string', 'number', 'boolean'].includes(typeof value);
}

function unsupported(stage: unknown, what: string): Error {
  return new Error(`SQLite store: unsupported getStream query ${safeJson(stage)} (${what}); ${SUPPORTED}`);
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
