/**
 * The retry schedule and how one delivery attempt's answer is judged. Pure
 * functions: the runner passes the time and the randomness in.
 */
import { assertNever, type Result } from '../../server/core/result.js';
import type { FetchError } from '../net/index.js';
import type { RetryPolicy } from './types.js';

const SECOND = 1000;
const HOUR = 60 * 60 * SECOND;
const DAY = 24 * HOUR;

/**
 * Base 30 s, ×2.5 per retry, each delay capped at 48 h, at most 15 attempts,
 * nothing scheduled more than 7 days after the job was queued. With full
 * jitter the 14 retries span 5 days on average (the caps add up to 10 days),
 * so a host that stays down is tried for about a week and then given up.
 */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  baseDelayMs: 30 * SECOND,
  factor: 2.5,
  maxDelayMs: 48 * HOUR,
  maxAttempts: 15,
  maxAgeMs: 7 * DAY,
  maxRetryAfterMs: 24 * HOUR,
};

/** No retry sooner than this, whatever the jitter draws. */
const MIN_DELAY_MS = SECOND;

/** The cap of the delay after the `attempts`-th failed attempt (1-based): base × factor^(attempts−1), at most maxDelayMs. */
export function backoffCapMs(attempts: number, policy: RetryPolicy): number {
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * Math.pow(policy.factor, Math.max(0, attempts - 1)));
}

/**
 * When to try a job again after its `attempts`-th attempt failed at `now`, or
 * `undefined` when it is to be given up (out of attempts or past its
 * deadline, `createdAt + maxAgeMs`).
 *
 * Full jitter (uniform between 0 and the cap, at least 1 s) spreads the
 * retries of many jobs that failed together, e.g. when a host came back. A
 * sane `Retry-After` (at most `maxRetryAfterMs`) is a lower bound. No retry
 * is scheduled after the deadline: the last one is moved to it.
 */
export function nextAttemptAt(
  job: { attempts: number; createdAt: Date },
  now: Date,
  policy: RetryPolicy,
  random: () => number,
  retryAfterMs?: number,
): Date | undefined {
  if (job.attempts >= policy.maxAttempts) return undefined;
  const deadline = job.createdAt.getTime() + policy.maxAgeMs;
  if (now.getTime() >= deadline) return undefined;
  let delay = Math.max(MIN_DELAY_MS, random() * backoffCapMs(job.attempts, policy));
  if (retryAfterMs !== undefined && retryAfterMs <= policy.maxRetryAfterMs) delay = Math.max(delay, retryAfterMs);
  return new Date(Math.min(now.getTime() + Math.round(delay), deadline));
}

/** A `Retry-After` value (delta-seconds or HTTP-date) as milliseconds from `now`; `undefined` when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now: Date): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * SECOND;
  const when = Date.parse(text);
  if (Number.isNaN(when)) return undefined;
  return Math.max(0, when - now.getTime());
}

/**
 * What one attempt came to:
 *  - `delivered`: 2xx;
 *  - `rejected`: final for this inbox: 404/410 (gone), other 4xx except
 *    408/429, an unexpected final status, or a destination we must not
 *    reach. `hostAnswered` says whether the host itself answered (it counts
 *    as alive then);
 *  - `retry`: 408, 429, 5xx, timeout, network error.
 */
export type AttemptVerdict =
  | { kind: 'delivered'; status: number }
  | { kind: 'rejected'; status: number | null; error: string; hostAnswered: boolean }
  | { kind: 'retry'; status: number | null; error: string; retryAfter?: string };

/** Judges the HTTP client's answer to one delivery POST. */
export function judgeAttempt(
  result: Result<{ status: number; headers: Readonly<Record<string, string>> }, FetchError>,
): AttemptVerdict {
  if (result.ok) {
    const { status, headers } = result.value;
    if (status >= 200 && status <= 299) return { kind: 'delivered', status };
    if (status === 404 || status === 410) return { kind: 'rejected', status, error: `gone (HTTP ${status})`, hostAnswered: true };
    if (status === 408 || status === 429 || (status >= 500 && status <= 599)) {
      const retryAfter = headers['retry-after'];
      return { kind: 'retry', status, error: `HTTP ${status}`, ...(retryAfter === undefined ? {} : { retryAfter }) };
    }
    return { kind: 'rejected', status, error: `HTTP ${status}`, hostAnswered: true };
  }
  const error = result.error;
  switch (error.kind) {
    case 'timeout':
      return { kind: 'retry', status: null, error: `timeout after ${error.timeoutMs} ms` };
    case 'network':
      return { kind: 'retry', status: null, error: `network error${error.code === undefined ? '' : ` ${error.code}`}` };
    case 'blocked-address':
      return { kind: 'rejected', status: null, error: `blocked address (${error.reason})`, hostAnswered: false };
    case 'blocked-instance':
      return { kind: 'rejected', status: null, error: `instance blocked by moderators (${error.host})`, hostAnswered: false };
    case 'bad-url':
      return { kind: 'rejected', status: null, error: `bad inbox URL (${error.reason})`, hostAnswered: false };
    case 'too-many-redirects':
      return { kind: 'rejected', status: null, error: `more than ${error.limit} redirects`, hostAnswered: true };
    case 'too-large':
      return { kind: 'rejected', status: null, error: `answer larger than ${error.limit} bytes`, hostAnswered: true };
    case 'bad-status':
    case 'bad-content-type':
    case 'invalid-json':
    case 'id-mismatch':
      // Document checks a plain POST never makes; judged final rather than retried forever.
      return { kind: 'rejected', status: null, error: error.kind, hostAnswered: true };
    default:
      return assertNever(error, 'fetch error');
  }
}
