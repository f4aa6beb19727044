/**
 * Shared rules of InstanceRepository adapters, so that both store the same
 * thing: a non-empty key and a JSON value.
 */

/** Refuses keys no adapter should store. */
export function checkKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0 || key.length > 200) {
    throw new TypeError('instance setting key must be a string of 1 to 200 characters');
  }
}

/** The value as JSON text; throws for `undefined`, functions and cycles. */
export function encodeValue(value: unknown): string {
  const text = JSON.stringify(value);
  if (typeof text !== 'string') throw new TypeError('instance setting value must be JSON-serializable');
  return text;
}
