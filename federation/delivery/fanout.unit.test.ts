import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ok } from '../../server/core/result.js';
import type { DeliveryRepository } from '../../server/store/index.js';
import { shareSlots } from './share.js';
import { startInbox, testKeys, waitFor } from './test-fixtures/inbox-server.js';
import { deliveryTestBed } from './test-fixtures/test-bed.js';

const KEY_ID = 'https://hearth.test/u/nightowl#main-key';

/** The repository's calls that write (each one transaction, so one synced commit, on SQLite). */
const WRITES = new Set(['claim', 'claimHosts', 'settle', 'settleMany', 'settleAndClaim', 'recordHostSuccess', 'recordHostSuccesses', 'recordHostFailure']);

/** The real repository, counting its write calls. */
function countingWrites(repository: DeliveryRepository): { repository: DeliveryRepository; writes: () => number; calls: Map<string, number> } {
  let writes = 0;
  const calls = new Map<string, number>();
  const proxy = new Proxy(repository, {
    get: (target, prop) => {
      const value = Reflect.get(target, prop, target) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (typeof prop === 'string' && WRITES.has(prop)) writes += 1;
        if (typeof prop === 'string') calls.set(prop, (calls.get(prop) ?? 0) + 1);
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { repository: proxy, writes: () => writes, calls };
}

describe('DeliveryQueue runner: fan-out of one activity to many inboxes', () => {
  const bed = deliveryTestBed();

  it('writes claims and outcomes in groups: far fewer store writes than deliveries, each delivery still recorded', async () => {
    for (let i = 0; i < 8; i++) bed.servers.push(await startInbox(() => ({ status: 202, delayMs: 30 })));
    const counted = countingWrites(bed.harness.store().delivery);
    const q = bed.queue({ repository: counted.repository });
    const inboxes = bed.servers.flatMap((s) => Array.from({ length: 6 }, (_, i) => `${s.inbox}/${i}`));
    const queued = await q.enqueue({ activity: { id: 'https://hearth.test/activities/fan-1', type: 'Create' }, inboxes, keyId: KEY_ID, privateKeyPem: testKeys().privateKeyPem });
    assert.ok(queued.ok && queued.value.queued === 48);
    q.start();
    await waitFor('48 delivered', async () => (await bed.harness.store().delivery.counts()).delivered === 48, 10_000);
    assert.equal(bed.servers.reduce((n, s) => n + s.posts.length, 0), 48);
    // One by one this is at least 48 settles, 48 host successes and a claim per host and fill.
    assert.ok(counted.writes() < 48, `${counted.writes()} store writes for 48 deliveries`);
  });

  it('starts every new host in the second round, not after the first hosts in order have drained', async () => {
    // Arrival order over all hosts: when did each host get its first post?
    let arrived = 0;
    const firstAt = new Map<number, number>();
    for (let i = 0; i < 8; i++) {
      bed.servers.push(await startInbox(() => {
        arrived += 1;
        if (!firstAt.has(i)) firstAt.set(i, arrived);
        return { status: 202, delayMs: 40 };
      }));
    }
    // Half the slots for hosts not proven yet: 4 start at once, the other 4 must wait for a second round.
    const q = bed.queue({ options: { maxInFlight: 8, maxPerHost: 2 } });
    const inboxes = bed.servers.flatMap((s) => Array.from({ length: 6 }, (_, i) => `${s.inbox}/${i}`));
    const queued = await q.enqueue({ activity: { id: 'https://hearth.test/activities/fan-2', type: 'Create' }, inboxes, keyId: KEY_ID, privateKeyPem: testKeys().privateKeyPem });
    assert.ok(queued.ok && queued.value.queued === 48);
    q.start();
    await waitFor('48 delivered', async () => (await bed.harness.store().delivery.counts()).delivered === 48, 10_000);
    assert.equal(firstAt.size, 8);
    // First round: 4 posts (one per new host); second round: 8 slots, the 4 hosts still new among them.
    const last = Math.max(...firstAt.values());
    assert.ok(last <= 12, `the last host got its first post as post ${last} of 48`);
  });

  it('answers posts that end together with one claim (HTTP client faked: it answers every held post at the same moment)', async () => {
    const held: (() => void)[] = [];
    const http = { request: () => new Promise<ReturnType<typeof ok<{ status: number; headers: Record<string, string> }>>>((resolve) => held.push(() => resolve(ok({ status: 202, headers: {} })))) };
    const counted = countingWrites(bed.harness.store().delivery);
    const q = bed.queue({ repository: counted.repository, http, options: { maxInFlight: 8, maxPerHost: 2 } });
    const inboxes = ['a', 'b', 'c', 'd'].flatMap((h) => [1, 2, 3].map((i) => `https://${h}.test/inbox/${i}`));
    const queued = await q.enqueue({ activity: { id: 'https://hearth.test/activities/fan-3', type: 'Create' }, inboxes, keyId: KEY_ID, privateKeyPem: testKeys().privateKeyPem });
    assert.ok(queued.ok && queued.value.queued === 12);
    q.start();
    await waitFor('one post to each new host', () => held.length === 4);
    const claimsBefore = counted.calls.get('claimHosts') ?? 0;
    for (const answer of held.splice(0)) answer();
    // The four hosts are proven now: two posts each, taken in one claim.
    await waitFor('the second round', () => held.length === 8);
    assert.equal((counted.calls.get('claimHosts') ?? 0) - claimsBefore, 1);
    for (const answer of held.splice(0)) answer();
    await waitFor('12 delivered', async () => (await bed.harness.store().delivery.counts()).delivered === 12);
  });

  it('claims the jobs that take the freed slots in the same write as the outcomes: one write per round for a busy host (HTTP client faked)', async () => {
    const held: (() => void)[] = [];
    const http = { request: () => new Promise<ReturnType<typeof ok<{ status: number; headers: Record<string, string> }>>>((resolve) => held.push(() => resolve(ok({ status: 202, headers: {} })))) };
    const counted = countingWrites(bed.harness.store().delivery);
    const q = bed.queue({ repository: counted.repository, http, options: { maxInFlight: 8, maxPerHost: 4 } });
    const inboxes = Array.from({ length: 12 }, (_, i) => `https://busy.test/inbox/${i}`);
    const queued = await q.enqueue({ activity: { id: 'https://hearth.test/activities/fan-4', type: 'Create' }, inboxes, keyId: KEY_ID, privateKeyPem: testKeys().privateKeyPem });
    assert.ok(queued.ok && queued.value.queued === 12);
    q.start();
    await waitFor('one post to the new host', () => held.length === 1);
    held.splice(0)[0]?.();
    await waitFor('the host proven: its four slots', () => held.length === 4);
    const calls = (name: string): number => counted.calls.get(name) ?? 0;
    const before = { claims: calls('claimHosts') + calls('claim'), settles: calls('settleMany'), rounds: calls('settleAndClaim') };
    for (const answer of held.splice(0)) answer();
    await waitFor('the third round', () => held.length === 4);
    for (const answer of held.splice(0)) answer();
    await waitFor('the last three', () => held.length === 3);
    // Two rounds, each its outcomes and the next claim in one call; no separate claim or settle.
    assert.equal(calls('settleAndClaim') - before.rounds, 2);
    assert.equal(calls('claimHosts') + calls('claim') - before.claims, 0);
    assert.equal(calls('settleMany') - before.settles, 0);
    for (const answer of held.splice(0)) answer();
    await waitFor('12 delivered', async () => (await bed.harness.store().delivery.counts()).delivered === 12);
    assert.equal(held.length, 0);
  });

  it('never lets a host claim its freed slots again while another due host waits for one (HTTP client faked)', async () => {
    const held: { host: string; answer: () => void }[] = [];
    const http = {
      request: (url: string) => new Promise<ReturnType<typeof ok<{ status: number; headers: Record<string, string> }>>>((resolve) => held.push({ host: new URL(url).host, answer: () => resolve(ok({ status: 202, headers: {} })) })),
    };
    const q = bed.queue({ http, options: { maxInFlight: 2, maxPerHost: 2 } });
    const send = async (id: string, inboxes: string[]): Promise<void> => {
      const queued = await q.enqueue({ activity: { id, type: 'Create' }, inboxes, keyId: KEY_ID, privateKeyPem: testKeys().privateKeyPem });
      assert.ok(queued.ok && queued.value.queued === inboxes.length);
    };
    await send('https://hearth.test/activities/fan-5', Array.from({ length: 8 }, (_, i) => `https://first.test/inbox/${i}`));
    q.start();
    await waitFor('one post to the new host', () => held.length === 1);
    held.splice(0)[0]?.answer();
    await waitFor('both slots to the proven host', () => held.length === 2);
    // Another host's job becomes due while every slot is taken.
    await send('https://hearth.test/activities/fan-6', ['https://second.test/inbox']);
    for (const post of held.splice(0)) post.answer();
    await waitFor('the next round', () => held.length === 2);
    assert.deepEqual(held.map((p) => p.host).sort(), ['first.test', 'second.test']);
    for (const post of held.splice(0)) post.answer();
    await waitFor('9 delivered', async () => {
      for (const post of held.splice(0)) post.answer();
      return (await bed.harness.store().delivery.counts()).delivered === 9;
    });
  });
});

describe('shareSlots', () => {
  it('gives every due host one slot before any gets a second, new hosts first and within their share', () => {
    const hosts = [
      { host: 'a', room: 4, proven: true },
      { host: 'b', room: 4, proven: true },
      { host: 'n1', room: 1, proven: false },
      { host: 'n2', room: 1, proven: false },
      { host: 'n3', room: 1, proven: false },
    ];
    assert.deepEqual(shareSlots(hosts, 5, 2), {
      wanted: [{ host: 'n1', limit: 1 }, { host: 'n2', limit: 1 }, { host: 'a', limit: 2 }, { host: 'b', limit: 1 }],
      passedOver: ['n3'],
    });
    assert.deepEqual(shareSlots(hosts, 20, 8).wanted.map((w) => w.limit), [1, 1, 1, 4, 4]);
    assert.deepEqual(shareSlots(hosts, 0, 8), { wanted: [], passedOver: [] });
    assert.deepEqual(shareSlots([{ host: 'a', room: 0, proven: true }], 3, 3), { wanted: [], passedOver: [] });
  });
});
