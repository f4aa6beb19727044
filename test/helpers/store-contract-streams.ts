/** Contract section: collection streams (apex's getStream and getStreamCount). */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { ApexDocument, ApexStore, ApexStreamItem } from '../../server/store/index.js';
import type { ContractContext } from './store-contract-context.js';
import { BASE, activity, collection, note, person, without } from './store-fixtures.js';

const inbox = collection('alice', 'inbox');
const outbox = collection('alice', 'outbox');
const alice = person('alice', { local: true });
const bob = person('bob', { host: 'https://remote.test' });
const carolId = 'https://remote.test/u/carol'; // never stored: her activities drop out of streams
const hidden = note('s1-note', 'embedded', { _meta: { isPublic: true } });

// Saved in this order; `published` runs the other way, to show that streams
// are ordered by insertion, newest first.
const s1 = activity('s1', 'Create', bob.id as string, [hidden], [inbox], { published: '2024-12-01T00:00:00.000Z' });
const s2 = activity('s2', 'Like', alice.id as string, [`${BASE}/o/x`], [inbox], { published: '2024-11-01T00:00:00.000Z' });
const s3 = activity('s3', 'Arrive', bob.id as string, undefined, [inbox], { published: '2024-10-01T00:00:00.000Z' });
const s4 = activity('s4', 'Announce', carolId, [`${BASE}/o/x`], [inbox], { published: '2024-09-01T00:00:00.000Z' });
const s5 = activity('s5', 'Follow', alice.id as string, [bob.id], [inbox, outbox], { published: '2024-08-01T00:00:00.000Z' });

async function seed(apex: ApexStore): Promise<void> {
  await apex.saveObject(alice);
  await apex.saveObject(bob);
  for (const s of [s1, s2, s3, s4, s5]) assert.equal(await apex.saveActivity(s), true);
}

function ids(stream: ApexStreamItem[]): unknown[] {
  return stream.map((item) => item.id);
}

/** What getStream makes of a stored activity. */
function expectedItem(stored: ApexDocument, actor: ApexDocument, item: ApexStreamItem | undefined): ApexDocument {
  const expected: ApexDocument = { ...without(stored, '_meta'), actor: [without(actor, '_meta')], _id: item?._id };
  if (Array.isArray(stored.object)) {
    expected.object = stored.object.map((o: unknown) => (typeof o === 'object' && o !== null ? without(o as ApexDocument, '_meta', '_id') : o));
  }
  return expected;
}

export function defineApexStreamContract(ctx: ContractContext): void {
  it('answers a collection newest first, actors looked up, _meta stripped, unknown actors dropped', async () => {
    const { apex } = ctx.store();
    await seed(apex);
    const stream = await apex.getStream(inbox, 10);
    assert.deepEqual(ids(stream), [s5.id, s3.id, s2.id, s1.id]);
    assert.deepEqual(stream[0], expectedItem(s5, alice, stream[0]));
    assert.deepEqual(stream[1], expectedItem(s3, bob, stream[1]));
    assert.deepEqual(stream[3], expectedItem(s1, bob, stream[3]));
    for (const item of stream) assert.match(String(item._id), /^[0-9a-f]{24}$/);
    assert.deepEqual(ids(await apex.getStream(inbox, null)), [s5.id, s3.id, s2.id, s1.id]);
    assert.deepEqual(ids(await apex.getStream(outbox, 10)), [s5.id]);
    assert.deepEqual(await apex.getStream(collection('nobody', 'inbox'), 10), []);
  });

  it('pages with limit and after; the limit applies before unknown actors drop out', async () => {
    const { apex } = ctx.store();
    await seed(apex);
    const page1 = await apex.getStream(inbox, 2);
    assert.deepEqual(ids(page1), [s5.id]); // s4 took the second slot, then dropped
    const page2 = await apex.getStream(inbox, 2, String(page1.at(-1)?._id));
    assert.deepEqual(ids(page2), [s3.id]);
    const page3 = await apex.getStream(inbox, 2, String(page2.at(-1)?._id));
    assert.deepEqual(ids(page3), [s2.id, s1.id]);
    assert.deepEqual(await apex.getStream(inbox, 2, String(page3.at(-1)?._id)), []);
  });

  it('refuses a malformed page cursor and takes 12-byte strings as ObjectId does', async () => {
    const { apex } = ctx.store();
    await seed(apex);
    await assert.rejects(async () => apex.getStream(inbox, 2, 'not-a-cursor!'), /invalid page value/);
    // Like ObjectId, any 12-byte string is a cursor: this one sorts after every id.
    assert.deepEqual(ids(await apex.getStream(inbox, 10, 'zzzzzzzzzzzz')), [s5.id, s3.id, s2.id, s1.id]);
  });

  it('leaves out activities of blocked actors', async () => {
    const { apex } = ctx.store();
    await seed(apex);
    assert.deepEqual(ids(await apex.getStream(inbox, 10, null, [bob.id as string])), [s5.id, s2.id]);
    assert.deepEqual(ids(await apex.getStream(inbox, 10, null, [])), [s5.id, s3.id, s2.id, s1.id]);
  });

  it('applies $match query stages before sort and limit', async () => {
    const { apex } = ctx.store();
    await seed(apex);
    assert.deepEqual(ids(await apex.getStream(inbox, 1, null, null, [{ $match: { type: 'Arrive' } }])), [s3.id]);
    assert.deepEqual(ids(await apex.getStream(inbox, 10, null, null, [{ $match: { type: { $in: ['Like', 'Follow'] } } }])), [s5.id, s2.id]);
    assert.deepEqual(ids(await apex.getStream(inbox, 1, null, null, [{ $match: { type: { $in: ['Like', 'Follow'] } } }])), [s5.id]);
    assert.deepEqual(ids(await apex.getStream(inbox, 10, null, null, [{ $match: { 'object.type': 'Note' } }])), [s1.id]);
    assert.deepEqual(ids(await apex.getStream(inbox, 10, null, null, [{ $match: { object: { $exists: false } } }])), [s3.id]);
    assert.deepEqual(ids(await apex.getStream(inbox, 10, null, null, [])), [s5.id, s3.id, s2.id, s1.id]);
  });

  it('counts a collection, unknown actors included', async () => {
    const { apex } = ctx.store();
    await seed(apex);
    assert.equal(await apex.getStreamCount(inbox), 5);
    assert.equal(await apex.getStreamCount(outbox), 1);
    assert.equal(await apex.getStreamCount(collection('nobody', 'inbox')), 0);
  });

  it('follows membership changes made through updateActivityMeta, keeping the order', async () => {
    const { apex } = ctx.store();
    await seed(apex);
    await apex.updateActivityMeta(s2, 'collection', outbox);
    assert.deepEqual(ids(await apex.getStream(outbox, 10)), [s5.id, s2.id]);
    await apex.updateActivityMeta(s5, 'collection', outbox, true);
    assert.deepEqual(ids(await apex.getStream(outbox, 10)), [s2.id]);
    assert.equal(await apex.getStreamCount(outbox), 1);
  });

  it('keeps collections across close and reopen', async () => {
    await seed(ctx.store().apex);
    const { apex } = await ctx.reopen();
    assert.deepEqual(ids(await apex.getStream(inbox, 10)), [s5.id, s3.id, s2.id, s1.id]);
  });
}
