import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DeliveryQueue, DeliveryQueueDeps } from './index.js';
import {
  ConcurrencyMeter,
  type InboxServer,
  startInbox,
  testKeys,
  waitFor,
} from './test-fixtures/inbox-server.js';
import { deliveryTestBed } from './test-fixtures/test-bed.js';

const KEY_ID = 'https://hearth.test/u/nightowl#main-key';
const HOUR = 3600 * 1000;
const DAY = 24 * HOUR;

let counter = 0;
const activityId = (): string => `https://hearth.test/activities/runner-${++counter}`;

describe('DeliveryQueue runner: concurrency, host health, restarts', () => {
  const bed = deliveryTestBed();
  const queue = (overrides?: Partial<DeliveryQueueDeps>): DeliveryQueue => bed.queue(overrides);
  const send = async (q: DeliveryQueue, inboxes: string[], id = activityId()): Promise<string> => {
    const result = await q.enqueue({ activity: { id, type: 'Create' }, inboxes, keyId: KEY_ID, privateKeyPem: testKeys().privateKeyPem });
    assert.ok(result.ok && result.value.queued === inboxes.length, JSON.stringify(result));
    return id;
  };

  it('never exceeds the per-host cap while more than that is in flight overall', async () => {
    const overall = new ConcurrencyMeter();
    for (let i = 0; i < 4; i++) bed.servers.push(await startInbox(() => ({ status: 202, delayMs: 60 }), overall));
    const q = queue({ options: { maxInFlight: 6, maxPerHost: 2 } });
    for (let i = 0; i < 8; i++) await send(q, bed.servers.map((s) => s.inbox));
    q.start();
    await waitFor('32 deliveries', async () => (await bed.harness.store().delivery.counts()).delivered === 32, 10_000);
    for (const server of bed.servers) {
      assert.equal(server.posts.length, 8);
      assert.ok(server.meter.max <= 2, `per-host cap exceeded: ${server.meter.max} at once`);
    }
    assert.ok(bed.servers.some((s) => s.meter.max === 2), 'the per-host cap was never reached');
    assert.ok(overall.max > 2, `only ${overall.max} in flight overall`);
    assert.ok(overall.max <= 6, `global cap exceeded: ${overall.max} at once`);
  });

  it('gives hosts that hang one slot each and at most half of all slots: a host that answers is still served at once', async () => {
    const healthy = await startInbox(() => ({ status: 202 }));
    const hanging: InboxServer[] = [];
    for (let i = 0; i < 3; i++) hanging.push(await startInbox(() => 'hang'));
    bed.servers.push(healthy, ...hanging);
    const q = queue({ options: { maxInFlight: 4, maxPerHost: 2, stopTimeoutMs: 100 } });
    q.start();
    // The healthy host answered once: it has its full share from then on.
    await send(q, [healthy.inbox]);
    await waitFor('first delivery', () => healthy.posts.length === 1);
    // Older jobs to three hosts that never answer are due first: without the caps they would take every slot.
    for (let i = 0; i < 3; i++) await send(q, hanging.map((h) => h.inbox));
    await waitFor('hanging hosts tried', () => hanging.filter((h) => h.posts.length > 0).length >= 2);
    const began = Date.now();
    await send(q, [healthy.inbox]);
    await send(q, [healthy.inbox]);
    await waitFor('the healthy host served while the others hang', () => healthy.posts.length === 3, 2_000);
    assert.ok(Date.now() - began < 2_000);
    for (const h of hanging) assert.ok(h.meter.max <= 1, `a hanging host had ${h.meter.max} posts at once`);
    assert.ok(hanging.reduce((n, h) => n + h.meter.current, 0) <= 2, 'hanging hosts hold at most half the slots');
  });

  it('backs a failing host off as a whole: after a 500, none of its other due jobs is posted until its cool-down has passed', async () => {
    const peer = await startInbox(() => ({ status: 500 }));
    bed.servers.push(peer);
    const q = queue();
    for (let i = 0; i < 5; i++) await send(q, [peer.inbox]);
    q.start();
    await waitFor('first attempt', () => peer.posts.length >= 1);
    await bed.passOver(q);
    assert.equal(peer.posts.length, 1, 'the other jobs of a host that just failed were posted at once');
    // One second later (the first cool-down), one more attempt; then two seconds.
    bed.clock.advance(1_000);
    q.wake();
    await waitFor('second attempt', () => peer.posts.length === 2);
    await bed.passOver(q);
    assert.equal(peer.posts.length, 2);
    bed.clock.advance(2_000);
    q.wake();
    await waitFor('third attempt', () => peer.posts.length === 3);
  });

  it('marks a host unavailable after failures on 3 distinct days, skips it, probes it, and restores it on success', async () => {
    const peer = await startInbox(() => ({ status: 503 }));
    bed.servers.push(peer);
    const { delivery } = bed.harness.store();
    const q = queue();
    q.start();
    const first = await send(q, [peer.inbox]);
    for (let day = 1; day <= 3; day++) {
      await waitFor(`failure ${day}`, async () => (await delivery.findJob(first, peer.inbox))?.attempts === day && (await delivery.hostHealth(peer.host))?.failureDays.length === day);
      if (day < 3) {
        bed.clock.advance(DAY);
        q.wake();
      }
    }
    assert.equal((await delivery.hostHealth(peer.host))?.unavailable, true);
    // New deliveries to it wait: not attempted, kept pending.
    const second = await send(q, [peer.inbox]);
    bed.clock.advance(5 * HOUR);
    await bed.passOver(q);
    assert.equal(peer.posts.length, 3, 'an unavailable host was attempted before its probe interval');
    assert.deepEqual([(await delivery.findJob(second, peer.inbox))?.state, (await delivery.findJob(second, peer.inbox))?.attempts], ['pending', 0]);
    // Six hours after its last failure, one job probes it; the host answers, and everything flows again.
    peer.reply = () => ({ status: 202 });
    bed.clock.advance(HOUR);
    q.wake();
    await waitFor('both delivered', async () => (await delivery.counts()).delivered === 3); // with the witness
    assert.equal(peer.posts.length, 5);
    const health = await delivery.hostHealth(peer.host);
    assert.deepEqual([health?.unavailable, health?.failureDays, health?.lastProbeAt?.getTime()], [false, [], bed.clock.now().getTime()]);
  });

  it('keeps an unavailable host unavailable when its probe fails, until the next interval', async () => {
    const peer = await startInbox(() => ({ status: 502 }));
    bed.servers.push(peer);
    const { delivery } = bed.harness.store();
    for (const day of [0, 1, 2]) await delivery.recordHostFailure(peer.host, new Date(bed.clock.now().getTime() - (3 - day) * DAY), 3);
    const q = queue();
    await send(q, [peer.inbox]);
    q.start();
    await waitFor('probe sent', () => peer.posts.length === 1 && peer.posts[0]?.status === 502);
    await waitFor('probe recorded', async () => (await delivery.hostHealth(peer.host))?.failureDays.length === 4);
    bed.clock.advance(5 * HOUR);
    await bed.passOver(q);
    assert.equal(peer.posts.length, 1);
    bed.clock.advance(HOUR);
    q.wake();
    await waitFor('second probe', () => peer.posts.length === 2);
    assert.equal((await delivery.hostHealth(peer.host))?.unavailable, true);
  });

  it('survives a restart: jobs queued before stop and store close are delivered after reopening', async () => {
    const peer = await startInbox(() => ({ status: 202 }));
    bed.servers.push(peer);
    const before = queue();
    const ids = [await send(before, [peer.inbox]), await send(before, [peer.inbox]), await send(before, [peer.inbox])];
    await before.stop();
    await bed.harness.reopen();
    assert.equal(peer.posts.length, 0);
    const after = queue();
    after.start();
    await waitFor('delivered after restart', async () => (await bed.harness.store().delivery.counts()).delivered === 3);
    assert.deepEqual(peer.posts.map((p) => (JSON.parse(p.body.toString()) as { id: string }).id).sort(), [...ids].sort());
  });

  it('stop() waits a bounded time for a hung post and leaves its job leased, then redelivered after the lease', async () => {
    const peer = await startInbox((_post, index) => (index === 0 ? 'hang' : { status: 202 }));
    bed.servers.push(peer);
    const q = queue({ options: { stopTimeoutMs: 200, leaseMs: 60_000 } });
    q.start();
    const id = await send(q, [peer.inbox]);
    await waitFor('post in flight', () => peer.posts.length === 1);
    const began = Date.now();
    await q.stop();
    assert.ok(Date.now() - began < 2000, `stop took ${Date.now() - began} ms`);
    await bed.harness.reopen();
    const leased = await bed.harness.store().delivery.findJob(id, peer.inbox);
    assert.equal(leased?.state, 'in-flight');
    const restarted = queue();
    restarted.start();
    await bed.passOver(restarted);
    assert.equal(peer.posts.length, 1, 'claimed again before its lease ran out');
    bed.clock.advance(60_000);
    restarted.wake();
    await waitFor('redelivered after the lease', async () => (await bed.harness.store().delivery.findJob(id, peer.inbox))?.state === 'delivered');
    assert.equal(peer.posts.length, 2);
  });

  it('gives a job up when its retries run out', async () => {
    const peer = await startInbox(() => ({ status: 500 }));
    bed.servers.push(peer);
    const q = queue({ options: { retry: { maxAttempts: 3 } } });
    q.start();
    const id = await send(q, [peer.inbox]);
    for (let n = 1; n <= 3; n++) {
      // Settled first: moving the clock past the lease of a job in flight would let it be claimed again.
      await waitFor(`attempt ${n} settled`, async () => {
        const job = await bed.harness.store().delivery.findJob(id, peer.inbox);
        return job?.attempts === n && job.state !== 'in-flight';
      });
      assert.equal(peer.posts.length, n);
      bed.clock.advance(HOUR);
      q.wake();
    }
    await waitFor('given up', async () => (await bed.harness.store().delivery.findJob(id, peer.inbox))?.state === 'failed');
    const failed = await bed.harness.store().delivery.findJob(id, peer.inbox);
    assert.match(failed?.lastError ?? '', /gave up after 3 attempts: HTTP 500/);
    assert.equal(failed?.privateKeyPem, null);
  });
});
