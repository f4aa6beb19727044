/** A token bucket: `burst` messages at once, refilled at `perSecond`. */
export class TokenBucket {
  #tokens: number;
  #at: number;

  constructor(
    private readonly burst: number,
    private readonly perSecond: number,
    private readonly now: () => number = Date.now,
  ) {
    this.#tokens = burst;
    this.#at = now();
  }

  /** Takes one token; false when the bucket is empty. */
  take(): boolean {
    const now = this.now();
    this.#tokens = Math.min(this.burst, this.#tokens + ((now - this.#at) / 1000) * this.perSecond);
    this.#at = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}

/** How much a peer may send, and how much abuse closes its connection. */
export interface SignalLimits {
  /** Messages at once. */
  burst: number;
  /** Sustained messages per second. */
  perSecond: number;
  /** Invalid messages (not JSON, unknown type, bad fields, too large) before the connection is closed (4400). */
  maxInvalid: number;
  /** Rate-limited messages before the connection is closed (4429). */
  maxRateLimited: number;
}

export const DEFAULT_SIGNAL_LIMITS: SignalLimits = { burst: 40, perSecond: 20, maxInvalid: 20, maxRateLimited: 200 };
