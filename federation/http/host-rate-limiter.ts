/**
 * A fixed-window counter per remote host: at most `limit` events per window.
 * Memory is bounded: windows that ended are dropped when the map grows.
 */
export class HostRateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(private readonly limit: number, private readonly windowMs: number, private readonly now: () => number = Date.now) {}

  /** Counts one event for host; false when the host is over its limit. */
  take(host: string): boolean {
    const t = this.now();
    let w = this.windows.get(host);
    if (!w || t - w.start >= this.windowMs) {
      if (this.windows.size > 10_000) this.sweep(t);
      w = { start: t, count: 0 };
      this.windows.set(host, w);
    }
    w.count += 1;
    return w.count <= this.limit;
  }

  retryAfterSeconds(host: string): number {
    const w = this.windows.get(host);
    if (!w) return 0;
    return Math.max(1, Math.ceil((w.start + this.windowMs - this.now()) / 1000));
  }

  private sweep(t: number): void {
    for (const [host, w] of this.windows) if (t - w.start >= this.windowMs) this.windows.delete(host);
  }
}
