/**
 * Sign-up rate limiting, in memory only: client addresses are map keys here
 * and are never stored nor logged.
 *
 * Every sign-up attempt counts, whatever its outcome (created, username
 * taken, bad invite), and is counted before anything is looked up or hashed:
 * a refused attempt costs no scrypt hash, and probing whether a username is
 * taken costs as much of the budget as creating an account. Two sliding
 * windows of one hour: per client address, and for the whole instance (so
 * that many addresses together cannot burn the CPU on password hashes or
 * enumerate usernames quickly).
 */

export interface SignupLimits {
  windowMs: number;
  perClient: number;
  global: number;
}

const MAX_CLIENTS = 100_000;

export class SignupThrottle {
  /** Client address -> attempt times, oldest first, at most `perClient` of them. */
  private readonly clients = new Map<string, number[]>();
  private global: number[] = [];

  constructor(
    private readonly limits: SignupLimits,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Counts one attempt of `ip`; answers 0 when it may go on, or the seconds
   * to wait (and then the attempt is not counted).
   */
  take(ip: string): number {
    const at = this.now();
    const since = at - this.limits.windowMs;
    const mine = (this.clients.get(ip) ?? []).filter((t) => t > since);
    this.global = this.global.filter((t) => t > since);
    const waits = [this.wait(mine, this.limits.perClient, at), this.wait(this.global, this.limits.global, at)];
    const ms = Math.max(...waits);
    if (ms > 0) return Math.ceil(ms / 1000);
    mine.push(at);
    this.global.push(at);
    // Refresh insertion order: eviction drops the clients that tried least recently.
    this.clients.delete(ip);
    this.clients.set(ip, mine);
    while (this.clients.size > MAX_CLIENTS) {
      const oldest = this.clients.keys().next();
      if (oldest.done) break;
      this.clients.delete(oldest.value);
    }
    return 0;
  }

  /** Milliseconds until a window with these recent times has room again. */
  private wait(recent: number[], limit: number, at: number): number {
    if (recent.length < limit) return 0;
    const oldest = recent[recent.length - limit] ?? at;
    return Math.max(1, oldest + this.limits.windowMs - at);
  }
}
