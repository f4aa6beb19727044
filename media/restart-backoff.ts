/** How quickly a dead worker slot is refilled. */
export interface BackoffPolicy {
  /** Delay before the first replacement after a healthy period. */
  readonly initialMs: number;
  /** The delay doubles on each consecutive death or failed spawn, up to this. */
  readonly maxMs: number;
  /** A worker that stays up this long counts as healthy: the delay starts over. */
  readonly resetAfterMs: number;
}

/**
 * 250 ms first, so a one-off crash costs listeners a fraction of a second;
 * capped at 30 s, so a worker that crashes on start does not spin a core.
 */
export const DEFAULT_RESTART_BACKOFF: BackoffPolicy = {
  initialMs: 250,
  maxMs: 30_000,
  resetAfterMs: 60_000,
};

/**
 * Exponential backoff for one worker slot. Time is passed in, so the policy
 * is tested without clocks and the pool needs no timer just to reset it.
 */
export class RestartBackoff {
  readonly #policy: BackoffPolicy;
  #nextMs: number;
  #upSince: number | undefined;

  constructor(policy: BackoffPolicy) {
    if (!(policy.initialMs > 0) || !(policy.maxMs >= policy.initialMs) || !(policy.resetAfterMs >= 0)) {
      throw new RangeError(`invalid restart backoff ${JSON.stringify(policy)}`);
    }
    this.#policy = policy;
    this.#nextMs = policy.initialMs;
  }

  /** Records that a worker of this slot came up at `now` (ms). */
  markUp(now: number): void {
    this.#upSince = now;
  }

  /**
   * The delay before the next spawn attempt, after a death or a failed spawn
   * at `now` (ms). Doubles on every call unless the last worker had stayed up
   * for `resetAfterMs`.
   */
  nextDelay(now: number): number {
    if (this.#upSince !== undefined && now - this.#upSince >= this.#policy.resetAfterMs) {
      this.#nextMs = this.#policy.initialMs;
    }
    this.#upSince = undefined;
    const delay = this.#nextMs;
    this.#nextMs = Math.min(delay * 2, this.#policy.maxMs);
    return delay;
  }
}
