/**
 * Failed-password rate limiting, in memory only: client addresses are used
 * as map keys here and never stored nor logged.
 *
 * Three sliding windows, each of which ends by itself:
 *  - per (account, client): a handful of tries, then a pause;
 *  - per account, across clients: more tries, then a cool-down, so that a
 *    botnet cannot try many passwords on one account;
 *  - per client, across accounts: so that one client cannot spray passwords.
 * A client on a known device (it logged in to that account before, see
 * `known-devices.ts`) is exempt from the last two and has a per-pair bucket
 * of its own: an attacker hammering an account cannot lock its owner out.
 */

export interface ThrottleLimits {
  windowMs: number;
  perPair: number;
  perAccount: number;
  perClient: number;
}

export const DEFAULT_THROTTLE_LIMITS: ThrottleLimits = {
  windowMs: 15 * 60_000,
  perPair: 5,
  perAccount: 20,
  perClient: 50,
};

/** Who is trying: the account key (the normalized username) and the client. */
export interface Attempt {
  account: string;
  /** req.ip: used as a key in memory, nothing else. */
  ip: string;
  /** A known device's own key, when the client presented one for this account. */
  device?: string | undefined;
}

/** Scopes whose failures count against the per-account bucket (recovery codes do not: 100 bits cannot be guessed). */
export type ThrottleScope = 'password' | 'recovery';

const MAX_KEYS = 100_000;

export class LoginThrottle {
  /** Key -> failure times, oldest first, at most the bucket's limit of them. */
  private readonly failures = new Map<string, number[]>();
  private operations = 0;

  constructor(
    private readonly limits: ThrottleLimits = DEFAULT_THROTTLE_LIMITS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds to wait before this attempt may be checked, or 0. A locked attempt is refused unchecked. */
  retryAfterSeconds(attempt: Attempt, scope: ThrottleScope = 'password'): number {
    const waits = this.buckets(attempt, scope).map(([key, limit]) => this.wait(key, limit));
    const ms = Math.max(0, ...waits);
    return ms === 0 ? 0 : Math.ceil(ms / 1000);
  }

  recordFailure(attempt: Attempt, scope: ThrottleScope = 'password'): void {
    const at = this.now();
    for (const [key, limit] of this.buckets(attempt, scope)) {
      const times = (this.failures.get(key) ?? []).filter((t) => t > at - this.limits.windowMs);
      times.push(at);
      // Refresh insertion order: eviction below drops the least recently failed keys.
      this.failures.delete(key);
      this.failures.set(key, times.slice(-limit));
    }
    this.housekeeping(at);
  }

  /** The pair's own failures are forgiven; the account's and the client's stay until they expire. */
  recordSuccess(attempt: Attempt): void {
    this.failures.delete(this.pairKey(attempt));
  }

  private pairKey(attempt: Attempt): string {
    return attempt.device ? `pair\0${attempt.account}\0device\0${attempt.device}` : `pair\0${attempt.account}\0ip\0${attempt.ip}`;
  }

  private buckets(attempt: Attempt, scope: ThrottleScope): [string, number][] {
    const buckets: [string, number][] = [[this.pairKey(attempt), this.limits.perPair]];
    if (attempt.device) return buckets;
    if (scope === 'password') buckets.push([`account\0${attempt.account}`, this.limits.perAccount]);
    buckets.push([`client\0${attempt.ip}`, this.limits.perClient]);
    return buckets;
  }

  /** Milliseconds until the bucket has room again. */
  private wait(key: string, limit: number): number {
    const at = this.now();
    const recent = (this.failures.get(key) ?? []).filter((t) => t > at - this.limits.windowMs);
    if (recent.length < limit) return 0;
    const oldest = recent[recent.length - limit] ?? at;
    return oldest + this.limits.windowMs - at;
  }

  /** Forgets expired buckets now and then, and caps memory under a flood of keys. */
  private housekeeping(at: number): void {
    if (++this.operations % 1000 === 0) {
      for (const [key, times] of this.failures) {
        if ((times[times.length - 1] ?? 0) <= at - this.limits.windowMs) this.failures.delete(key);
      }
    }
    while (this.failures.size > MAX_KEYS) {
      const oldest = this.failures.keys().next();
      if (oldest.done) break;
      this.failures.delete(oldest.value);
    }
  }
}
