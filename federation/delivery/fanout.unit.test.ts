import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DeliveryRepository } from '../../server/store/index.js';
import { startInbox, testKeys, waitFor } from './test-fixtures/inbox-server.js';
import { deliveryTestBed } from './test-fixtures/test-bed.js';

const KEY_ID = 'https://hearth.test/u/nightowl#main-key';

/** The repository's calls that write (each one transaction, so one synced commit, on SQLite). */
const WRITES = new Set(['claim', 'claimHosts', 'settle', 'settleMany', 'recordHostSuccess', 'recordHostSuccesses', 'recordHostFailure']);

/** The real repository, counting its write calls. */
function countingWrites(repository: DeliveryRepository): { repository: DeliveryRepository; writes: () => number } {
  let writes = 0;
  const proxy = new Proxy(repository, {
    get: (target, prop) => {
      const value = Reflect.get(target, prop, target) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (typeof prop === 'string' && WRITES.has(prop)) writes += 1;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { repository: proxy, writes: () => writes };
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
});
