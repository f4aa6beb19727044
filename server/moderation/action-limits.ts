/**
 * Spam limits on what signed-in people do often: follows, reports and room
 * creation, each per client address and per account (sliding hour, in
 * memory, the same limiter as sign-up). Over a limit: 429 with Retry-After,
 * before any work.
 */
import type { RequestHandler } from 'express';
import type { Config } from '../../config/index.js';
import { getAuth } from '../accounts/index.js';
import { SlidingWindowLimiter } from '../core/sliding-window.js';
import { sendModerationError } from './http-errors.js';

export type LimitedAction = 'follows' | 'reports' | 'rooms';

const HOUR = 60 * 60_000;

export class ActionLimits {
  private readonly limiter: SlidingWindowLimiter;

  constructor(private readonly limits: Config['limits'], now: () => number = Date.now) {
    this.limiter = new SlidingWindowLimiter(HOUR, now);
  }

  /** Counts one action; 0 when it may go on, else the seconds to wait. */
  take(action: LimitedAction, who: { ip: string; accountId: string }): number {
    const perClient = { follows: this.limits.followsPerClientPerHour, reports: this.limits.reportsPerClientPerHour, rooms: this.limits.roomsPerClientPerHour }[action];
    const perAccount = { follows: this.limits.followsPerAccountPerHour, reports: this.limits.reportsPerAccountPerHour, rooms: this.limits.roomsPerAccountPerHour }[action];
    return this.limiter.take([
      { key: `${action}:client:${who.ip}`, limit: perClient },
      { key: `${action}:account:${who.accountId}`, limit: perAccount },
    ]);
  }

  /** Middleware behind requireSession (and after body validation): 429 with Retry-After over a limit. */
  middleware(action: LimitedAction): RequestHandler {
    const what = { follows: 'follows', reports: 'reports', rooms: 'new rooms' }[action];
    return (req, res, next) => {
      const wait = this.take(action, { ip: req.ip ?? req.socket.remoteAddress ?? 'unknown', accountId: getAuth(req).account.id });
      if (wait > 0) return sendModerationError(res, { kind: 'rate_limited', what, retryAfterSeconds: wait });
      next();
    };
  }
}
