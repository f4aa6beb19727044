/**
 * A public count that gives little away: rounded up to a step and read at
 * most once per period. NodeInfo's user count is one: exact and live, it
 * would drop by the number of personas of an account at the moment that
 * account is deleted, tying those personas together.
 */
export class CoarseCount {
  private cached: number | undefined;
  private readAt = 0;
  private readonly now: () => number;

  constructor(
    private readonly read: () => Promise<number>,
    private readonly options: { refreshMs: number; step: number; now?: () => number },
  ) {
    this.now = options.now ?? Date.now;
  }

  /** The rounded count as of its last refresh; refreshed when older than `refreshMs`. */
  async value(): Promise<number> {
    const now = this.now();
    if (this.cached === undefined || now - this.readAt >= this.options.refreshMs) {
      this.cached = roundUp(await this.read(), this.options.step);
      this.readAt = now;
    }
    return this.cached;
  }
}

/** `n` rounded up to a multiple of `step` (0 stays 0). */
export function roundUp(n: number, step: number): number {
  return n <= 0 ? 0 : Math.ceil(n / step) * step;
}
