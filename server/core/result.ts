/**
 * Expected failures are values: domain operations return a Result whose error
 * is a closed union of kinds; the HTTP and signaling edges map each kind to a
 * status or code in one exhaustive switch. Broken infrastructure throws.
 */
export type Result<T, E> = { ok: true; value: T } | { ok: false; error: E };

export function ok<T>(value: T): { ok: true; value: T } {
  return { ok: true, value };
}

export function err<E>(error: E): { ok: false; error: E } {
  return { ok: false, error };
}

/** Compile-time exhaustiveness check for switches over closed unions. */
export function assertNever(value: never, what = 'value'): never {
  throw new Error(`unexpected ${what}: ${JSON.stringify(value)}`);
}
