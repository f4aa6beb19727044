/** Contract section: Hearth's durable delivery queue (DeliveryRepository). */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { NewDeliveryJob } from '../../server/store/index.js';
import type { ContractContext } from './store-contract-context.js';

const T0 = new Date('2030-01-01T10:00:00.000Z');
const at = (ms: number): Date => new Date(T0.getTime() + ms);
const DAY = 24 * 60 * 60 * 1000;

function job(n: number, overrides: Partial<NewDeliveryJob> = {}): NewDeliveryJob {
  const host = overrides.host ?? 'a.test';
  return {
    activityId: `https://hearth.test/activities/${n}`,
    inbox: `https://${host}/inbox`,
    host,
    body: JSON.stringify({ id: `https://hearth.test/activities/${n}`, type: 'Create' }),
    keyId: 'https://hearth.test/u/alice#main-key',
    privateKeyPem: 'PRIVATE KEY PEM',
    batchId: null,
    ...overrides,
  };
}

export function defineDeliveryQueueContract(ctx: ContractContext): void {
  it('stores jobs pending and due now, and treats the same (activity, inbox) as a no-op', async () => {
    const { delivery } = ctx.store();
    assert.deepEqual(await delivery.enqueue([job(1), job(2), job(1, { host: 'b.test' })], T0), { inserted: 3, duplicates: 0 });
    assert.deepEqual(await delivery.enqueue([job(1, { body: 'changed' }), job(3)], at(1000)), { inserted: 1, duplicates: 1 });
    const stored = await delivery.findJob(job(1).activityId, job(1).inbox);
    assert.ok(stored);
    assert.equal(typeof stored.id, 'string');
    assert.deepEqual(
      { ...stored, id: undefined },
      {
        ...job(1),
        id: undefined,
        state: 'pending',
        attempts: 0,
        nextAttemptAt: T0,
        lastAttemptAt: null,
        lastStatus: null,
        lastError: null,
        createdAt: T0,
        updatedAt: T0,
      },
    );
    assert.equal(await delivery.findJob(job(9).activityId, job(9).inbox), undefined);
    assert.deepEqual(await delivery.counts(), { pending: 4, 'in-flight': 0, delivered: 0, failed: 0 });
  });

  it('lists hosts with due jobs, earliest first, leaving out excluded hosts', async () => {
    const { delivery } = ctx.store();
    await delivery.enqueue([job(1, { host: 'late.test' })], at(2000));
    await delivery.enqueue([job(2, { host: 'early.test' }), job(3, { host: 'early.test' })], at(1000));
    await delivery.enqueue([job(4, { host: 'future.test' })], at(60_000));
    assert.deepEqual(await delivery.dueHosts({ now: at(5000), exclude: [], limit: 10 }), ['early.test', 'late.test']);
    assert.deepEqual(await delivery.dueHosts({ now: at(5000), exclude: [], limit: 1 }), ['early.test']);
    assert.deepEqual(await delivery.dueHosts({ now: at(5000), exclude: ['early.test'], limit: 10 }), ['late.test']);
    assert.deepEqual(await delivery.dueHosts({ now: at(0), exclude: [], limit: 10 }), []);
  });

  it('lists due hosts alike with one long queue among few hosts and with many hosts (both query plans)', async () => {
    const { delivery } = ctx.store();
    // One host with a long queue, two of its jobs leased; a host due earlier; an unavailable one; one not due yet.
    await delivery.enqueue(Array.from({ length: 120 }, (_, i) => job(1000 + i, { host: 'long.test' })), at(100));
    await delivery.claim({ host: 'long.test', now: at(100), limit: 2, leaseUntil: at(90_000), claim: 'l' });
    await delivery.enqueue([job(1, { host: 'b.test' })], at(50));
    await delivery.enqueue([job(2, { host: 'future.test' })], at(60_000));
    await delivery.enqueue([job(3, { host: 'down.test' })], at(10));
    await delivery.recordHostFailure('down.test', at(10), 1);
    // A host whose only job is leased until at(300): due again when the lease runs out.
    await delivery.enqueue([job(4, { host: 'lease.test' })], at(5));
    await delivery.claim({ host: 'lease.test', now: at(5), limit: 1, leaseUntil: at(300), claim: 'x' });
    assert.deepEqual(await delivery.dueHosts({ now: at(200), exclude: [], limit: 10 }), ['b.test', 'long.test']);
    assert.deepEqual(await delivery.dueHosts({ now: at(200), exclude: ['b.test'], limit: 10 }), ['long.test']);
    assert.deepEqual(await delivery.dueHosts({ now: at(300), exclude: [], limit: 2 }), ['b.test', 'long.test']);
    assert.deepEqual(await delivery.dueHosts({ now: at(300), exclude: ['long.test'], limit: 10 }), ['b.test', 'lease.test']);
    assert.deepEqual(await delivery.dueHosts({ now: at(99), exclude: [], limit: 10 }), ['b.test']);
    assert.deepEqual(await delivery.dueHosts({ now: at(60_000), exclude: [], limit: 0 }), []);
    // Many hosts, each due at its own time (not in name order).
    const many = Array.from({ length: 30 }, (_, i) => `m${String(i).padStart(2, '0')}.test`);
    for (const [i, host] of many.entries()) await delivery.enqueue([job(2000 + i, { host })], at(1000 - i));
    const byDue = [...many].reverse();
    const first = ['b.test', 'long.test', 'lease.test'];
    assert.deepEqual(await delivery.dueHosts({ now: at(2000), exclude: [], limit: 5 }), [...first, ...byDue.slice(0, 2)]);
    assert.deepEqual(await delivery.dueHosts({ now: at(2000), exclude: [...first, ...byDue.slice(0, 3)], limit: 3 }), byDue.slice(3, 6));
    const all = await delivery.dueHosts({ now: at(2000), exclude: [], limit: 100 });
    assert.deepEqual(all, [...first, ...byDue]);
    assert.deepEqual(await delivery.dueHosts({ now: at(980), exclude: [], limit: 100 }), [...first, ...byDue.slice(0, 10)]);
  });

  it('claims due jobs of one host under a lease that excludes other claimers until it expires', async () => {
    const { delivery } = ctx.store();
    await delivery.enqueue([job(1), job(2), job(3), job(4, { host: 'b.test' })], T0);
    const first = await delivery.claim({ host: 'a.test', now: at(10), limit: 2, leaseUntil: at(120_000), claim: 'c1' });
    assert.deepEqual(first.map((j) => j.activityId), [job(1).activityId, job(2).activityId]);
    for (const j of first) {
      assert.deepEqual([j.state, j.claim, j.attempts, j.privateKeyPem], ['in-flight', 'c1', 1, 'PRIVATE KEY PEM']);
      assert.deepEqual([j.nextAttemptAt, j.lastAttemptAt], [at(120_000), at(10)]);
    }
    // Only the third is still claimable: the first two are leased.
    const second = await delivery.claim({ host: 'a.test', now: at(20), limit: 5, leaseUntil: at(120_000), claim: 'c2' });
    assert.deepEqual(second.map((j) => j.activityId), [job(3).activityId]);
    assert.deepEqual(await delivery.claim({ host: 'a.test', now: at(30), limit: 5, leaseUntil: at(120_000), claim: 'c3' }), []);
    assert.deepEqual(await delivery.dueHosts({ now: at(30), exclude: [], limit: 10 }), ['b.test']);
    // The lease runs out (its holder died): another runner takes the job again, and the old holder's settle is refused.
    const again = await delivery.claim({ host: 'a.test', now: at(120_000), limit: 1, leaseUntil: at(240_000), claim: 'c4' });
    assert.equal(again.length, 1);
    assert.equal(again[0]?.activityId, job(1).activityId);
    assert.equal(again[0]?.attempts, 2);
    const stale = first[0];
    assert.ok(stale);
    assert.equal(await delivery.settle(stale.id, 'c1', { state: 'delivered', at: at(120_001), status: 202, error: null }), false);
    assert.equal((await delivery.findJob(stale.activityId, stale.inbox))?.state, 'in-flight');
    assert.deepEqual(await delivery.claim({ host: 'a.test', now: at(0), limit: 0, leaseUntil: at(1), claim: 'c5' }), []);
  });

  it('settles a claimed job: delivered or failed erase the key, pending reschedules it', async () => {
    const { delivery } = ctx.store();
    await delivery.enqueue([job(1), job(2), job(3)], T0);
    const [a, b, c] = await delivery.claim({ host: 'a.test', now: T0, limit: 3, leaseUntil: at(120_000), claim: 'k' });
    assert.ok(a && b && c);
    assert.equal(await delivery.settle(a.id, 'k', { state: 'delivered', at: at(100), status: 202, error: null }), true);
    assert.equal(await delivery.settle(b.id, 'k', { state: 'failed', at: at(100), status: 410, error: 'gone' }), true);
    assert.equal(await delivery.settle(c.id, 'k', { state: 'pending', at: at(100), nextAttemptAt: at(30_000), status: 503, error: 'server error' }), true);
    // Settling twice is refused: the lease ended with the first settle.
    assert.equal(await delivery.settle(a.id, 'k', { state: 'failed', at: at(200), status: null, error: 'late' }), false);
    const delivered = await delivery.findJob(a.activityId, a.inbox);
    assert.deepEqual([delivered?.state, delivered?.lastStatus, delivered?.privateKeyPem, delivered?.updatedAt], ['delivered', 202, null, at(100)]);
    const failed = await delivery.findJob(b.activityId, b.inbox);
    assert.deepEqual([failed?.state, failed?.lastStatus, failed?.lastError, failed?.privateKeyPem], ['failed', 410, 'gone', null]);
    const retry = await delivery.findJob(c.activityId, c.inbox);
    assert.deepEqual(
      [retry?.state, retry?.nextAttemptAt, retry?.lastStatus, retry?.privateKeyPem, retry?.attempts],
      ['pending', at(30_000), 503, 'PRIVATE KEY PEM', 1],
    );
    assert.deepEqual(await delivery.dueHosts({ now: at(29_999), exclude: [], limit: 5 }), []);
    assert.deepEqual(await delivery.dueHosts({ now: at(30_000), exclude: [], limit: 5 }), ['a.test']);
    assert.equal(await delivery.settle('not-an-id', 'k', { state: 'failed', at: T0, status: null, error: null }), false);
    assert.deepEqual(await delivery.counts(), { pending: 1, 'in-flight': 0, delivered: 1, failed: 1 });
  });

  it('claims for several hosts, settles several jobs and clears several hosts in one call each, as one by one would', async () => {
    const { delivery } = ctx.store();
    await delivery.enqueue([job(1), job(2), job(3), job(4, { host: 'b.test' }), job(5, { host: 'c.test' })], T0);
    const claimed = await delivery.claimHosts({
      hosts: [{ host: 'a.test', limit: 2 }, { host: 'b.test', limit: 4 }, { host: 'c.test', limit: 0 }, { host: 'none.test', limit: 3 }],
      now: at(10), leaseUntil: at(120_000), claim: 'm',
    });
    assert.deepEqual(claimed.map((j) => j.activityId).sort(), [job(1), job(2), job(4)].map((j) => j.activityId).sort());
    for (const j of claimed) assert.deepEqual([j.state, j.claim, j.attempts, j.nextAttemptAt], ['in-flight', 'm', 1, at(120_000)]);
    assert.deepEqual(await delivery.dueHosts({ now: at(20), exclude: [], limit: 10 }), ['a.test', 'c.test']);
    const [a1, a2, b1] = claimed.sort((x, y) => x.activityId.localeCompare(y.activityId));
    assert.ok(a1 && a2 && b1);
    const settled = await delivery.settleMany([
      { id: a1.id, claim: 'm', outcome: { state: 'delivered', at: at(100), status: 202, error: null } },
      { id: a2.id, claim: 'wrong', outcome: { state: 'delivered', at: at(100), status: 202, error: null } },
      { id: b1.id, claim: 'm', outcome: { state: 'pending', at: at(100), nextAttemptAt: at(5000), status: 503, error: 'server error' } },
      { id: 'not-an-id', claim: 'm', outcome: { state: 'failed', at: at(100), status: null, error: null } },
    ]);
    assert.deepEqual(settled, [true, false, true, false]);
    assert.deepEqual(await delivery.settleMany([]), []);
    const done = await delivery.findJob(a1.activityId, a1.inbox);
    assert.deepEqual([done?.state, done?.lastStatus, done?.privateKeyPem], ['delivered', 202, null]);
    assert.equal((await delivery.findJob(a2.activityId, a2.inbox))?.state, 'in-flight');
    const retry = await delivery.findJob(b1.activityId, b1.inbox);
    assert.deepEqual([retry?.state, retry?.nextAttemptAt, retry?.privateKeyPem], ['pending', at(5000), 'PRIVATE KEY PEM']);
    // Hosts: one unavailable, one failing but available, one never seen; named twice is once.
    for (const d of [0, DAY, 2 * DAY]) await delivery.recordHostFailure('down.test', at(d), 3);
    await delivery.recordHostFailure('b.test', at(0), 3);
    const back = at(2 * DAY + 1000);
    assert.deepEqual(await delivery.recordHostSuccesses(['down.test', 'b.test', 'new.test', 'down.test'], back), ['down.test']);
    for (const host of ['down.test', 'b.test', 'new.test']) {
      const health = await delivery.hostHealth(host);
      assert.deepEqual([health?.failureDays, health?.unavailable, health?.lastSuccessAt], [[], false, back], host);
    }
    assert.deepEqual(await delivery.recordHostSuccesses(['down.test'], at(2 * DAY + 2000)), []);
  });

  it('settles jobs and claims the next ones in one call, as settleMany then claimHosts would', async () => {
    const { delivery } = ctx.store();
    await delivery.enqueue([job(1), job(2), job(3), job(4), job(5, { host: 'b.test' })], T0);
    const [a1, a2] = await delivery.claim({ host: 'a.test', now: at(10), limit: 2, leaseUntil: at(120_000), claim: 'r1' });
    assert.ok(a1 && a2);
    const round = await delivery.settleAndClaim(
      [
        { id: a1.id, claim: 'r1', outcome: { state: 'delivered', at: at(50), status: 202, error: null } },
        { id: a2.id, claim: 'lost', outcome: { state: 'delivered', at: at(50), status: 202, error: null } },
      ],
      { hosts: [{ host: 'a.test', limit: 5 }, { host: 'b.test', limit: 0 }], now: at(50), leaseUntil: at(180_000), claim: 'r2' },
    );
    assert.deepEqual(round.settled, [true, false]);
    // The job just settled is not claimed again, the one whose settle was refused is still leased: the two others.
    assert.deepEqual(round.claimed.map((j) => j.activityId), [job(3).activityId, job(4).activityId]);
    for (const j of round.claimed) assert.deepEqual([j.state, j.claim, j.attempts, j.nextAttemptAt], ['in-flight', 'r2', 1, at(180_000)]);
    const done = await delivery.findJob(a1.activityId, a1.inbox);
    assert.deepEqual([done?.state, done?.privateKeyPem], ['delivered', null]);
    assert.equal((await delivery.findJob(a2.activityId, a2.inbox))?.state, 'in-flight');
    assert.equal(await delivery.settle(a2.id, 'r1', { state: 'delivered', at: at(70), status: 202, error: null }), true);
    assert.deepEqual(await delivery.counts(), { pending: 1, 'in-flight': 2, delivered: 2, failed: 0 });
    const empty = await delivery.settleAndClaim([], { hosts: [], now: at(60), leaseUntil: at(1), claim: 'r3' });
    assert.deepEqual(empty, { settled: [], claimed: [] });
  });

  it('expires and cancels open jobs, but not one under a live lease', async () => {
    const { delivery } = ctx.store();
    await delivery.enqueue([job(1), job(2)], T0);
    await delivery.enqueue([job(3)], at(10 * DAY));
    await delivery.enqueue([job(4, { keyId: 'https://hearth.test/u/bob#main-key' }), job(5, { keyId: 'https://hearth.test/u/bob#main-key' })], at(10 * DAY));
    await delivery.claim({ host: 'a.test', now: at(0), limit: 1, leaseUntil: at(11 * DAY), claim: 'live' });
    assert.equal(await delivery.expire({ createdBefore: at(7 * DAY), now: at(10 * DAY), error: 'expired' }), 1);
    const expired = await delivery.findJob(job(2).activityId, job(2).inbox);
    assert.deepEqual([expired?.state, expired?.lastError, expired?.privateKeyPem], ['failed', 'expired', null]);
    assert.equal((await delivery.findJob(job(1).activityId, job(1).inbox))?.state, 'in-flight');
    assert.equal((await delivery.findJob(job(3).activityId, job(3).inbox))?.state, 'pending');
    assert.equal(await delivery.cancelForKey('https://hearth.test/u/bob#main-key', at(10 * DAY), 'actor deleted'), 2);
    const cancelled = await delivery.findJob(job(4).activityId, job(4).inbox);
    assert.deepEqual([cancelled?.state, cancelled?.lastError, cancelled?.privateKeyPem], ['failed', 'actor deleted', null]);
    assert.deepEqual(await delivery.counts(), { pending: 1, 'in-flight': 1, delivered: 0, failed: 3 });
  });

  it('holds jobs enqueued with a later due time back until then', async () => {
    const { delivery } = ctx.store();
    await delivery.enqueue([job(1)], T0, at(90_000));
    const stored = await delivery.findJob(job(1).activityId, job(1).inbox);
    assert.deepEqual([stored?.createdAt, stored?.nextAttemptAt], [T0, at(90_000)]);
    assert.deepEqual(await delivery.dueHosts({ now: at(89_999), exclude: [], limit: 10 }), []);
    assert.deepEqual(await delivery.claim({ host: 'a.test', now: at(89_999), limit: 5, leaseUntil: at(200_000), claim: 'early' }), []);
    assert.deepEqual(await delivery.dueHosts({ now: at(90_000), exclude: [], limit: 10 }), ['a.test']);
  });

  it('deletes every job of a key, whatever its state, and nothing else', async () => {
    const { delivery } = ctx.store();
    const bob = 'https://hearth.test/u/bob#main-key';
    await delivery.enqueue([job(1, { keyId: bob }), job(2, { keyId: bob }), job(3, { keyId: bob, host: 'b.test' }), job(4)], T0);
    const [claimed] = await delivery.claim({ host: 'a.test', now: T0, limit: 1, leaseUntil: at(60_000), claim: 'c1' });
    assert.ok(claimed);
    await delivery.settle(claimed.id, 'c1', { state: 'delivered', at: T0, status: 202, error: null });
    await delivery.claim({ host: 'b.test', now: T0, limit: 1, leaseUntil: at(60_000), claim: 'c2' });
    assert.equal(await delivery.deleteForKey(bob), 3, 'delivered, in flight and pending alike');
    for (const n of [1, 2, 3]) assert.equal(await delivery.findJob(job(n).activityId, job(n).inbox), undefined);
    assert.ok(await delivery.findJob(job(4).activityId, job(4).inbox), 'other keys are untouched');
    assert.equal(await delivery.deleteForKey(bob), 0);
  });

  it('keeps batches with their jobs for receipts, and purges what is old', async () => {
    const { delivery } = ctx.store();
    const batch = { id: 'r3c31pt-1d_0123456789ab', createdAt: T0, actorId: 'https://hearth.test/u/gone' };
    assert.equal(await delivery.createBatch(batch), true);
    assert.equal(await delivery.createBatch({ ...batch, actorId: null }), false);
    assert.deepEqual(await delivery.getBatch(batch.id), batch);
    assert.equal(await delivery.getBatch('missing'), undefined);
    assert.deepEqual(await delivery.batchJobs('missing'), []);
    await delivery.enqueue([job(1, { host: 'b.test', batchId: batch.id }), job(1, { host: 'a.test', batchId: batch.id }), job(2)], T0);
    const [claimed] = await delivery.claim({ host: 'a.test', now: at(5), limit: 1, leaseUntil: at(60_000), claim: 'k' });
    assert.ok(claimed);
    await delivery.settle(claimed.id, 'k', { state: 'delivered', at: at(7), status: 201, error: null });
    assert.deepEqual(await delivery.batchJobs(batch.id), [
      { host: 'a.test', state: 'delivered', lastStatus: 201, attempts: 1, lastAttemptAt: at(5) },
      { host: 'b.test', state: 'pending', lastStatus: null, attempts: 0, lastAttemptAt: null },
    ]);
    const [plain] = await delivery.claim({ host: 'a.test', now: at(5), limit: 1, leaseUntil: at(60_000), claim: 'k' });
    assert.ok(plain && plain.batchId === null);
    await delivery.settle(plain.id, 'k', { state: 'failed', at: at(8), status: 400, error: 'bad request' });
    // Ended jobs without batch go after their retention; open ones and batched ones stay.
    assert.equal(await delivery.purge({ endedBefore: at(DAY), batchesCreatedBefore: at(-1) }), 1);
    assert.equal(await delivery.findJob(plain.activityId, plain.inbox), undefined);
    assert.equal((await delivery.batchJobs(batch.id)).length, 2);
    // A batch past its retention goes with its jobs.
    assert.equal(await delivery.purge({ endedBefore: at(DAY), batchesCreatedBefore: at(1) }), 2);
    assert.equal(await delivery.getBatch(batch.id), undefined);
    assert.deepEqual(await delivery.counts(), { pending: 0, 'in-flight': 0, delivered: 0, failed: 0 });
  });

  it('marks a host unavailable after failures on distinct days, skips it, and restores it on success', async () => {
    const { delivery } = ctx.store();
    assert.equal(await delivery.hostHealth('down.test'), undefined);
    let health = await delivery.recordHostFailure('down.test', at(0), 3);
    health = await delivery.recordHostFailure('down.test', at(60_000), 3); // same UTC day
    assert.deepEqual([health.failureDays, health.unavailable], [['2030-01-01'], false]);
    health = await delivery.recordHostFailure('down.test', at(DAY), 3);
    assert.equal(health.unavailable, false);
    health = await delivery.recordHostFailure('down.test', at(2 * DAY), 3);
    assert.deepEqual(
      [health.failureDays, health.unavailable, health.lastFailureAt],
      [['2030-01-01', '2030-01-02', '2030-01-03'], true, at(2 * DAY)],
    );
    assert.deepEqual((await delivery.unavailableHosts()).map((h) => h.host), ['down.test']);
    await delivery.enqueue([job(1, { host: 'down.test' }), job(2, { host: 'up.test' })], at(2 * DAY));
    const later = at(2 * DAY + 60_000);
    assert.deepEqual(await delivery.dueHosts({ now: later, exclude: [], limit: 10 }), ['up.test']);
    // A probe still claims from the unavailable host.
    await delivery.markHostProbed('down.test', later);
    assert.deepEqual((await delivery.hostHealth('down.test'))?.lastProbeAt, later);
    const [probe] = await delivery.claim({ host: 'down.test', now: later, limit: 1, leaseUntil: at(3 * DAY), claim: 'p' });
    assert.ok(probe);
    await delivery.settle(probe.id, 'p', { state: 'pending', at: later, nextAttemptAt: at(4 * DAY), status: null, error: 'timeout' });
    await delivery.enqueue([job(3, { host: 'down.test' })], later);
    // The host answers: failure days cleared, available again, its pending jobs due now.
    const back = at(2 * DAY + 120_000);
    assert.deepEqual(await delivery.recordHostSuccess('down.test', back), { wasUnavailable: true });
    const restored = await delivery.hostHealth('down.test');
    assert.deepEqual([restored?.failureDays, restored?.unavailable, restored?.lastSuccessAt], [[], false, back]);
    assert.deepEqual(await delivery.unavailableHosts(), []);
    assert.deepEqual((await delivery.findJob(probe.activityId, probe.inbox))?.nextAttemptAt, back);
    assert.deepEqual((await delivery.findJob(job(3).activityId, 'https://down.test/inbox'))?.nextAttemptAt, later);
    assert.deepEqual(await delivery.dueHosts({ now: back, exclude: [], limit: 10 }), ['up.test', 'down.test']);
    assert.deepEqual(await delivery.recordHostSuccess('down.test', at(2 * DAY + 180_000)), { wasUnavailable: false });
    assert.deepEqual(await delivery.recordHostSuccess('new.test', back), { wasUnavailable: false });
    assert.deepEqual((await delivery.hostHealth('new.test'))?.lastSuccessAt, back);
  });

  it('keeps jobs, leases, batches and host health across close and reopen', async () => {
    const before = ctx.store().delivery;
    await before.createBatch({ id: 'durable-batch-0123456789', createdAt: T0, actorId: null });
    await before.enqueue([job(1, { batchId: 'durable-batch-0123456789' }), job(2)], T0);
    await before.claim({ host: 'a.test', now: T0, limit: 1, leaseUntil: at(120_000), claim: 'dead' });
    await before.recordHostFailure('a.test', T0, 3);
    const { delivery } = await ctx.reopen();
    assert.deepEqual(await delivery.counts(), { pending: 1, 'in-flight': 1, delivered: 0, failed: 0 });
    assert.equal((await delivery.getBatch('durable-batch-0123456789'))?.id, 'durable-batch-0123456789');
    assert.deepEqual((await delivery.hostHealth('a.test'))?.failureDays, ['2030-01-01']);
    const afterLease = await delivery.claim({ host: 'a.test', now: at(120_000), limit: 5, leaseUntil: at(240_000), claim: 'alive' });
    assert.equal(afterLease.length, 2);
    assert.ok(afterLease.every((j) => j.privateKeyPem === 'PRIVATE KEY PEM'));
  });
}
