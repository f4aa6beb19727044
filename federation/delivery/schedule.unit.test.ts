import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { err, ok } from '../../server/core/result.js';
import { DEFAULT_RETRY_POLICY, backoffCapMs, chooseInboxes, judgeAttempt, nextAttemptAt, parseRetryAfter } from './index.js';
import { buildReceipt, isReceiptId, newReceiptId } from './receipt.js';

const SECOND = 1000;
const HOUR = 3600 * SECOND;
const DAY = 24 * HOUR;
const T0 = new Date('2030-03-01T00:00:00.000Z');
const at = (ms: number): Date => new Date(T0.getTime() + ms);

describe('retry schedule', () => {
  it('grows the cap from 30 s by 2.5 per retry up to 48 h', () => {
    const caps = Array.from({ length: 14 }, (_, i) => backoffCapMs(i + 1, DEFAULT_RETRY_POLICY));
    assert.deepEqual(caps.slice(0, 4), [30 * SECOND, 75 * SECOND, 187.5 * SECOND, 468.75 * SECOND]);
    assert.equal(caps[13], 48 * HOUR);
    // The caps of the 14 retries add up to about ten days: with full jitter the mean span is about five.
    const total = caps.reduce((a, b) => a + b, 0);
    assert.ok(total > 9 * DAY && total < 11 * DAY, `${total / DAY} days`);
  });

  it('draws full jitter between 1 s and the cap', () => {
    const job = { attempts: 3, createdAt: T0 };
    assert.equal(nextAttemptAt(job, at(0), DEFAULT_RETRY_POLICY, () => 0)?.getTime(), at(SECOND).getTime());
    assert.equal(nextAttemptAt(job, at(0), DEFAULT_RETRY_POLICY, () => 0.5)?.getTime(), at(93.75 * SECOND).getTime());
    assert.equal(nextAttemptAt(job, at(0), DEFAULT_RETRY_POLICY, () => 0.999999)?.getTime(), at(Math.round(187.5 * SECOND * 0.999999)).getTime());
  });

  it('spans about a week when the host stays down, then gives up', () => {
    let now = T0;
    let attempts = 1;
    for (;;) {
      const next = nextAttemptAt({ attempts, createdAt: T0 }, now, DEFAULT_RETRY_POLICY, () => 1);
      if (!next) break;
      now = next;
      attempts += 1;
    }
    // With the largest draws the 7-day deadline ends it; the last retry is moved onto the deadline.
    assert.equal(now.getTime(), at(7 * DAY).getTime());
    assert.ok(attempts <= DEFAULT_RETRY_POLICY.maxAttempts);
    assert.equal(nextAttemptAt({ attempts: 15, createdAt: T0 }, at(HOUR), DEFAULT_RETRY_POLICY, () => 0.5), undefined);
    assert.equal(nextAttemptAt({ attempts: 2, createdAt: T0 }, at(7 * DAY), DEFAULT_RETRY_POLICY, () => 0.5), undefined);
  });

  it('honors a sane Retry-After as a lower bound and ignores an insane one', () => {
    const job = { attempts: 1, createdAt: T0 };
    assert.equal(nextAttemptAt(job, at(0), DEFAULT_RETRY_POLICY, () => 0.5, 600 * SECOND)?.getTime(), at(600 * SECOND).getTime());
    assert.equal(nextAttemptAt(job, at(0), DEFAULT_RETRY_POLICY, () => 0.5, 2 * SECOND)?.getTime(), at(15 * SECOND).getTime());
    assert.equal(nextAttemptAt(job, at(0), DEFAULT_RETRY_POLICY, () => 0.5, 30 * DAY)?.getTime(), at(15 * SECOND).getTime());
    assert.equal(parseRetryAfter('120', T0), 120 * SECOND);
    assert.equal(parseRetryAfter(at(90 * SECOND).toUTCString(), T0), 90 * SECOND);
    assert.equal(parseRetryAfter(at(-90 * SECOND).toUTCString(), T0), 0);
    assert.equal(parseRetryAfter('soon', T0), undefined);
    assert.equal(parseRetryAfter(undefined, T0), undefined);
  });

  it('judges answers: 2xx delivered; 404, 410 and other 4xx final; 408, 429, 5xx and network retried', () => {
    const status = (s: number, headers: Record<string, string> = {}) => judgeAttempt(ok({ status: s, headers }));
    assert.deepEqual(status(202), { kind: 'delivered', status: 202 });
    assert.deepEqual(status(410), { kind: 'rejected', status: 410, error: 'gone (HTTP 410)', hostAnswered: true });
    assert.equal(status(404).kind, 'rejected');
    assert.equal(status(401).kind, 'rejected');
    assert.equal(status(302).kind, 'rejected');
    assert.deepEqual(status(429, { 'retry-after': '5' }), { kind: 'retry', status: 429, error: 'HTTP 429', retryAfter: '5' });
    assert.equal(status(408).kind, 'retry');
    assert.equal(status(503).kind, 'retry');
    assert.equal(judgeAttempt(err({ kind: 'timeout', timeoutMs: 10 })).kind, 'retry');
    assert.equal(judgeAttempt(err({ kind: 'network', message: 'refused', code: 'ECONNREFUSED' })).kind, 'retry');
    assert.deepEqual(judgeAttempt(err({ kind: 'blocked-address', reason: 'loopback', stage: 'dns' })), {
      kind: 'rejected',
      status: null,
      error: 'blocked address (loopback)',
      hostAnswered: false,
    });
  });
});

describe('inboxes and receipts', () => {
  it('collapses recipients on one shared inbox and drops duplicates', () => {
    assert.deepEqual(
      chooseInboxes([
        { inbox: 'https://a.test/u/1/inbox', sharedInbox: 'https://a.test/inbox' },
        { inbox: 'https://a.test/u/2/inbox', sharedInbox: 'https://a.test/inbox' },
        { inbox: 'https://b.test/u/1/inbox' },
        { inbox: 'https://B.TEST/u/1/inbox' },
        { inbox: 'https://c.test/u/1/inbox', sharedInbox: '' },
      ]),
      ['https://a.test/inbox', 'https://b.test/u/1/inbox', 'https://c.test/u/1/inbox'],
    );
  });

  it('makes unguessable URL-safe receipt ids', () => {
    const ids = new Set(Array.from({ length: 100 }, () => newReceiptId()));
    assert.equal(ids.size, 100);
    for (const id of ids) assert.ok(isReceiptId(id), id);
    assert.equal(isReceiptId('short'), false);
  });

  it('folds jobs into one state per instance', () => {
    const batch = { id: newReceiptId(), createdAt: T0, actorId: null };
    const receipt = buildReceipt(batch, [
      { host: 'b.test', state: 'failed', lastStatus: 410, attempts: 1, lastAttemptAt: at(1) },
      { host: 'b.test', state: 'delivered', lastStatus: 202, attempts: 2, lastAttemptAt: at(5) },
      { host: 'a.test', state: 'failed', lastStatus: 500, attempts: 15, lastAttemptAt: at(9) },
      { host: 'c.test', state: 'delivered', lastStatus: 200, attempts: 1, lastAttemptAt: at(2) },
      { host: 'c.test', state: 'pending', lastStatus: null, attempts: 0, lastAttemptAt: null },
      { host: 'd.test', state: 'failed', lastStatus: null, attempts: 3, lastAttemptAt: at(3) },
    ]);
    assert.deepEqual(receipt, {
      id: batch.id,
      createdAt: T0.toISOString(),
      instances: [
        { host: 'a.test', state: 'failed', status: 500, attempts: 15, lastAttemptAt: at(9).toISOString() },
        { host: 'b.test', state: 'acknowledged', status: 202, attempts: 3, lastAttemptAt: at(5).toISOString() },
        { host: 'c.test', state: 'pending', attempts: 1, lastAttemptAt: at(2).toISOString() },
        { host: 'd.test', state: 'failed', attempts: 3, lastAttemptAt: at(3).toISOString() },
      ],
    });
  });
});
