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
 * enumerate usernames quickly). The same limiter (server/lib/sliding-window)
 * bounds follows, reports and room creation (server/moderation/).
 */
import { SlidingWindowLimiter } from '../core/sliding-window.js';

export interface SignupLimits {
  windowMs: number;
  perClient: number;
  global: number;
}

export class SignupThrottle {
  private readonly limiter: SlidingWindowLimiter;

  constructor(
    private readonly limits: SignupLimits,
    now: () => number = Date.now,
  ) {
    this.limiter = new SlidingWindowLimiter(limits.windowMs, now);
  }

  /**
   * Counts one attempt of `ip`; answers 0 when it may go on, or the seconds
   * to wait (and then the attempt is not counted).
   */
  take(ip: string): number {
    return this.limiter.take([
      { key: `client:${ip}`, limit: this.limits.perClient },
      { key: '*', limit: this.limits.global },
    ]);
  }
}
