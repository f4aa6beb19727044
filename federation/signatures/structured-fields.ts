/**
 * The RFC 8941 Structured Field Values that HTTP message signatures (RFC 9421)
 * and Content-Digest (RFC 9530) use, parsed and serialized by the
 * `structured-headers` library and handed to the signature code as these
 * small typed shapes (items with `value`/`params`, inner lists with
 * `items`/`params`, byte sequences as Buffers). Parsing is strict: any syntax
 * error makes the whole field invalid, as RFC 8941 §4.2 requires. The RFC
 * 9651 additions (dates, display strings) are refused: RFC 9421 and RFC 9530
 * are defined on RFC 8941.
 */
import * as sf from 'structured-headers';

declare global {
  /**
   * The WebIDL type structured-headers types byte sequences with. TypeScript
   * declares it in its DOM library, which the server build does not load
   * (ADR 0053); without it every structured-headers value would be `any`.
   */
  type BufferSource = ArrayBufferView | ArrayBuffer;
}

/** A token, kept apart from strings because they serialize differently. */
export interface Token {
  readonly token: string;
}

/** An item value: integer or decimal, string, boolean, token or byte sequence. */
export type BareItem = number | string | boolean | Token | Buffer;
/** Parameters in the order they appeared. */
export type Parameters = Map<string, BareItem>;

/** A bare item with its parameters. */
export interface Item {
  readonly value: BareItem;
  readonly params: Parameters;
}

/** A parenthesised list of items, with parameters on the list itself. */
export interface InnerList {
  readonly items: Item[];
  readonly params: Parameters;
}

/** A dictionary value: an item or an inner list. */
export type DictionaryMember = Item | InnerList;

/** Thrown for invalid structured field syntax; callers map it to their own error kind. */
export class StructuredFieldError extends Error {
  override readonly name = 'StructuredFieldError';
}

/** Tells inner lists from items. */
export function isInnerList(member: DictionaryMember): member is InnerList {
  return 'items' in member;
}

/** Parses a Dictionary field value (RFC 8941 §4.2.2). Later duplicate keys win. */
export function parseDictionary(text: string): Map<string, DictionaryMember> {
  let parsed: sf.Dictionary;
  try {
    parsed = sf.parseDictionary(text);
  } catch (e) {
    throw new StructuredFieldError(e instanceof Error ? e.message : String(e));
  }
  const result = new Map<string, DictionaryMember>();
  for (const [key, member] of parsed) result.set(key, fromMember(member));
  return result;
}

/** Serializes an inner list with parameters, as the `@signature-params` line needs. */
export function serializeInnerList(list: InnerList): string {
  try {
    return sf.serializeInnerList([list.items.map((item) => [toBare(item.value), toParams(item.params)]), toParams(list.params)]);
  } catch (e) {
    throw new StructuredFieldError(e instanceof Error ? e.message : String(e));
  }
}

function fromMember(member: sf.Item | sf.InnerList): DictionaryMember {
  const [value, params] = member;
  if (Array.isArray(value)) return { items: value.map(([v, p]) => ({ value: fromBare(v), params: fromParams(p) })), params: fromParams(params) };
  return { value: fromBare(value), params: fromParams(params) };
}

function fromParams(params: sf.Parameters): Parameters {
  const out: Parameters = new Map();
  for (const [key, value] of params) out.set(key, fromBare(value));
  return out;
}

function fromBare(value: sf.BareItem): BareItem {
  if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') return value;
  if (value instanceof sf.Token) return { token: value.toString() };
  if (value instanceof ArrayBuffer) return Buffer.from(value);
  throw new StructuredFieldError('dates and display strings (RFC 9651) are not RFC 8941 structured fields');
}

function toParams(params: Parameters): sf.Parameters {
  const out: sf.Parameters = new Map();
  for (const [key, value] of params) out.set(key, toBare(value));
  return out;
}

function toBare(value: BareItem): sf.BareItem {
  if (Buffer.isBuffer(value)) return Uint8Array.from(value);
  if (typeof value === 'object') return new sf.Token(value.token);
  return value;
}
