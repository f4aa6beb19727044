import type { ContextCache, JsonObject } from './document-loader.js';

/**
 * Contexts that are not bundled, kept in memory only: bounded in number and
 * expiring, never written to the store. Anyone can make this server load a
 * context (a document naming it is enough), so what it loads must not pile
 * up; a context that is worth keeping for good belongs on the bundled list.
 */
export class MemoryContextCache implements ContextCache {
  private readonly entries = new Map<string, { document: JsonObject; until: number }>();

  constructor(
    private readonly options: { maxEntries: number; ttlMs: number } = { maxEntries: 200, ttlMs: 60 * 60_000 },
    private readonly now: () => number = Date.now,
  ) {}

  get(url: string): Promise<JsonObject | undefined> {
    const entry = this.entries.get(url);
    if (entry && entry.until <= this.now()) this.entries.delete(url);
    return Promise.resolve(entry && entry.until > this.now() ? entry.document : undefined);
  }

  put(url: string, document: JsonObject): Promise<void> {
    this.entries.delete(url);
    while (this.entries.size >= this.options.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
    this.entries.set(url, { document, until: this.now() + this.options.ttlMs });
    return Promise.resolve();
  }

  /** Number of contexts held (tests). */
  get size(): number {
    return this.entries.size;
  }
}
