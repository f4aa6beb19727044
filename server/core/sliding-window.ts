/**
 * Sliding-window rate limiting in memory: several budgets checked together
 * (e.g. one per client address, one per account, one for the whole
 * instance). Keys are map keys only: client addresses are never stored nor
 * logged. An attempt counts against every budget, or (when one is spent)
 * against none.
 */

/** One budget an attempt must fit: at most `limit` attempts under `key` per window. */
export interface WindowBudget {
  key: string;
  limit: number;
}

const DEFAULT_MAX_KEYS = 100_000;

export class SlidingWindowLimiter {
  /** Key -> attempt times, oldest first. Insertion order = least recently used first. */
  private readonly keys = new Map<string, number[]>();

  constructor(
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
    private readonly maxKeys: number = DEFAULT_MAX_KEYS,
  ) {}

  /**
   * Counts one attempt against every budget; answers 0 when it may go on, or
   * the whole seconds to wait (and then nothing is counted).
   */
  take(budgets: readonly WindowBudget[]): number {
    const at = this.now();
    const since = at - this.windowMs;
    const recent = budgets.map((b) => (this.keys.get(b.key) ?? []).filter((t) => t > since));
    const ms = Math.max(0, ...budgets.map((b, i) => this.wait(recent[i] ?? [], b.limit, at)));
    if (ms > 0) return Math.ceil(ms / 1000);
    budgets.forEach((b, i) => {
      const times = recent[i] ?? [];
      times.push(at);
      // Keep no more than the limit needs: the oldest that still matters is `limit` back.
      if (times.length > b.limit) times.splice(0, times.length - b.limit);
      this.keys.delete(b.key);
      this.keys.set(b.key, times);
    });
    while (this.keys.size > this.maxKeys) {
      const oldest = this.keys.keys().next();
      if (oldest.done) break;
      this.keys.delete(oldest.value);
    }
    return 0;
  }

  /** Milliseconds until a window with these recent times has room again. */
  private wait(recent: number[], limit: number, at: number): number {
    if (recent.length < limit) return 0;
    const oldest = recent[recent.length - limit] ?? at;
    return Math.max(1, oldest + this.windowMs - at);
  }
}
