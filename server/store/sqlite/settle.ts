/**
 * better-sqlite3 is synchronous; the store's callers await. Runs `work` now
 * and answers its result as a promise, which rejects (rather than the call
 * throwing) when `work` throws, as an async MongoDB call would.
 */
export function settle<T>(work: () => T): Promise<T> {
  return new Promise<T>((resolve) => resolve(work()));
}
