/** Contract section: apex's durable delivery queue. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ApexDelivery, ApexStore } from '../../server/store/index.js';
import type { ContractContext } from './store-contract.js';
import { person } from './store-fixtures.js';

const actorId = 'https://hearth.test/u/alice';

/** Dequeues a delivery that must be due now. */
async function takeDue(apex: ApexStore): Promise<ApexDelivery> {
  const next = await apex.deliveryDequeue();
  assert.ok(next && !('waitUntil' in next), `expected a due delivery, got ${JSON.stringify(next)}`);
  return next;
}

export function defineApexDeliveryContract(ctx: ContractContext): void {
  it('answers null for an empty queue', async () => {
    assert.equal(await ctx.store().apex.deliveryDequeue(), null);
  });

  it('queues one delivery per address and hands them out first in, first out', async () => {
    const { apex } = ctx.store();
    const before = Date.now();
    assert.equal(await apex.deliveryEnqueue(actorId, 'body-1', ['https://a.test/inbox', 'https://b.test/inbox'], 'key-1'), true);
    assert.equal(await apex.deliveryEnqueue(actorId, 'body-2', 'https://c.test/inbox', 'key-1'), true);
    assert.equal(await apex.deliveryEnqueue(actorId, 'nothing', [], 'key-1'), undefined);
    assert.equal(await apex.deliveryEnqueue(actorId, 'nothing', null, 'key-1'), undefined);
    const first = await takeDue(apex);
    assert.ok(first.after instanceof Date);
    assert.ok(first.after.getTime() >= before - 5 && first.after.getTime() <= Date.now());
    assert.deepEqual(
      { ...first, after: undefined },
      { address: 'https://a.test/inbox', actorId, signingKey: 'key-1', body: 'body-1', attempt: 0, after: undefined },
    );
    assert.equal((await takeDue(apex)).address, 'https://b.test/inbox');
    const third = await takeDue(apex);
    assert.deepEqual([third.address, third.body], ['https://c.test/inbox', 'body-2']);
    assert.equal(await apex.deliveryDequeue(), null);
  });

  it('requeues 10^attempt ms later, counting the attempt, and serves due deliveries first', async () => {
    const { apex } = ctx.store();
    await apex.deliveryEnqueue(actorId, 'retry-me', ['https://a.test/inbox'], 'key-1');
    const failed = await takeDue(apex);
    const due = failed.after.getTime();
    failed.attempt = 4;
    assert.equal(await apex.deliveryRequeue(failed), true);
    assert.equal(failed.attempt, 5);
    assert.equal(failed.after.getTime(), due + 10_000);
    const waiting = await apex.deliveryDequeue();
    assert.ok(waiting && 'waitUntil' in waiting);
    assert.equal(waiting.waitUntil.getTime(), due + 10_000);
    // A delivery queued later but due now goes first.
    await apex.deliveryEnqueue(actorId, 'fresh', ['https://b.test/inbox'], 'key-1');
    assert.equal((await takeDue(apex)).body, 'fresh');
    assert.ok(await apex.deliveryDequeue().then((next) => next !== null && 'waitUntil' in next));
  });

  it('hands a requeued delivery out again once due', async () => {
    const { apex } = ctx.store();
    await apex.deliveryEnqueue(actorId, 'soon', ['https://a.test/inbox'], 'key-1');
    const failed = await takeDue(apex);
    const due = failed.after.getTime();
    await apex.deliveryRequeue(failed); // attempt 0: due 1 ms later
    await sleep(20);
    const again = await takeDue(apex);
    assert.equal(again.attempt, 1);
    assert.equal(again.after.getTime(), due + 1);
    assert.equal(again.body, 'soon');
  });

  it('gives queued deliveries the new private key of a replaced actor', async () => {
    const { apex } = ctx.store();
    const alice = person('alice', { local: true });
    await apex.saveObject(alice);
    await apex.deliveryEnqueue(alice.id as string, 'hello', alice.inbox as string[], 'old-key');
    await apex.deliveryEnqueue('https://hearth.test/u/bob', 'other', ['https://b.test/inbox'], 'bob-key');
    await apex.updateObject({ ...alice, _meta: { privateKey: 'new-key' } }, alice.id as string, true);
    assert.equal((await takeDue(apex)).signingKey, 'new-key');
    assert.equal((await takeDue(apex)).signingKey, 'bob-key');
  });

  it('keeps the queue across close and reopen', async () => {
    await ctx.store().apex.deliveryEnqueue(actorId, 'durable', ['https://a.test/inbox', 'https://b.test/inbox'], 'key-1');
    const { apex } = await ctx.reopen();
    assert.equal((await takeDue(apex)).address, 'https://a.test/inbox');
    assert.equal((await takeDue(apex)).address, 'https://b.test/inbox');
    assert.equal(await apex.deliveryDequeue(), null);
  });
}
