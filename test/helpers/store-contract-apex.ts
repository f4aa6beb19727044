/**
 * Contract sections for apex objects (with contexts, user count, setup) and
 * activities, written against the semantics of apex's own MongoDB store.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { ApexDocument } from '../../server/store/index.js';
import type { ContractContext } from './store-contract-context.js';
import { BASE, activity, clone, collection, note, person, without } from './store-fixtures.js';

export function defineApexObjectContract(ctx: ContractContext): void {
  const alice = person('alice', { local: true });

  it('saves an object and answers it without _meta unless includeMeta is strictly true', async () => {
    const { apex } = ctx.store();
    assert.equal(await apex.saveObject(alice), true);
    assert.deepEqual(await apex.getObject(alice.id as string), without(alice, '_meta'));
    assert.deepEqual(await apex.getObject(alice.id as string, true), alice);
    // apex guards private keys with a strict comparison
    assert.deepEqual(await apex.getObject(alice.id as string, 1 as unknown as boolean), without(alice, '_meta'));
    assert.equal(await apex.getObject(`${BASE}/u/nobody`), null);
  });

  it('answers false for an existing id and keeps the first object, without touching its argument', async () => {
    const { apex } = ctx.store();
    const first = note('n1', 'first');
    const copy = clone(first);
    assert.equal(await apex.saveObject(first), true);
    assert.deepEqual(first, copy);
    assert.equal(await apex.saveObject(note('n1', 'second')), false);
    assert.deepEqual(await apex.getObject(first.id as string), first);
  });

  it('keeps keys holding $ and . (apex escapes them for MongoDB)', async () => {
    const { apex } = ctx.store();
    const odd = note('odd', 'x', { contentMap: [{ 'en.US': 'hello', $lang: 'en' }], 'dotted.key': ['v'] });
    await apex.saveObject(odd);
    assert.deepEqual(await apex.getObject(odd.id as string), odd);
  });

  it('fully replaces an object, answering it (identical or not), or undefined when nothing was found', async () => {
    const { apex } = ctx.store();
    const v1 = note('n1', 'v1', { summary: ['gone after replace'] });
    await apex.saveObject(v1);
    const v2 = note('n1', 'v2');
    assert.deepEqual(await apex.updateObject(v2, `${BASE}/u/alice`, true), v2);
    assert.deepEqual(await apex.getObject(v1.id as string), v2);
    // mongod counts a replacement without _id as a modification even when identical
    assert.deepEqual(await apex.updateObject(clone(v2), `${BASE}/u/alice`, true), v2);
    assert.equal(await apex.updateObject(note('missing', 'x'), `${BASE}/u/alice`, true), undefined);
    assert.equal(await apex.getObject(`${BASE}/o/missing`), null);
  });

  it('patches an object: sets keys, unsets null ones, answers it without _meta, or null when missing', async () => {
    const { apex } = ctx.store();
    const v1 = note('n1', 'v1', { summary: ['to unset'], _meta: { isPublic: true } });
    await apex.saveObject(v1);
    const patched = await apex.updateObject({ id: v1.id, content: ['v2'], summary: null }, null, false);
    const expected = { ...without(v1, '_meta', 'summary'), content: ['v2'] };
    assert.deepEqual(patched, expected);
    assert.deepEqual(await apex.getObject(v1.id as string, true), { ...expected, _meta: { isPublic: true } });
    assert.equal(await apex.updateObject({ id: `${BASE}/o/missing`, content: ['x'] }, null, false), null);
    await assert.rejects(apex.updateObject({ id: v1.id }, null, false));
  });

  it('copies an updated object into the activities embedding it', async () => {
    const { apex } = ctx.store();
    const hello = note('abc123', 'Hello');
    const bye = note('notupdated', 'Goodbye');
    const create = activity('c1', 'Create', `${BASE}/u/alice`, [hello, bye], [collection('alice', 'outbox')]);
    await apex.saveActivity(create);
    await apex.saveObject(hello);
    const updated = note('abc123', 'Hello again');
    await apex.updateObject(updated, `${BASE}/u/alice`, true);
    const stored = await apex.getActivity(create.id as string);
    assert.deepEqual(stored?.object, [updated, bye]);
  });

  it('caches JSON-LD contexts, parsed on read and replaced on save', async () => {
    const { apex } = ctx.store();
    const documentUrl = 'https://www.w3.org/ns/activitystreams';
    assert.equal(await apex.getContext(documentUrl), null);
    await apex.saveContext({ contextUrl: null, documentUrl, document: { '@context': { as: 'x' } } });
    assert.deepEqual(await apex.getContext(documentUrl), { contextUrl: null, documentUrl, document: { '@context': { as: 'x' } } });
    await apex.saveContext({ contextUrl: 'https://c.test', documentUrl, document: '{"@context":{"v":2}}' });
    assert.deepEqual(await apex.getContext(documentUrl), { contextUrl: 'https://c.test', documentUrl, document: { '@context': { v: 2 } } });
  });

  it('counts local users: Person objects holding _meta.privateKey', async () => {
    const { apex } = ctx.store();
    assert.equal(await apex.getUserCount(), 0);
    await apex.saveObject(alice);
    await apex.saveObject(person('bob', { host: 'https://remote.test' }));
    await apex.saveObject({ ...person('service', { local: true }), type: 'Service' });
    await apex.saveObject(person('carol', { local: true }));
    assert.equal(await apex.getUserCount(), 2);
    assert.equal(await apex.getUsercount(), 2);
  });

  it('setup upserts the system user', async () => {
    const { apex } = ctx.store();
    const system: ApexDocument = { ...person('system', { local: true }), type: 'Service' };
    await apex.setup(system);
    assert.deepEqual(await apex.getObject(system.id as string, true), system);
    const renamed = { ...system, name: ['Hearth'] };
    await apex.setup(renamed);
    assert.deepEqual(await apex.getObject(system.id as string, true), renamed);
  });

  it('generates distinct 24-hex-digit ids synchronously', () => {
    const { apex } = ctx.store();
    const a = apex.generateId();
    const b = apex.generateId();
    assert.match(a, /^[0-9a-f]{24}$/);
    assert.notEqual(a, b);
  });
}

export function defineApexActivityContract(ctx: ContractContext): void {
  const alice = `${BASE}/u/alice`;
  const bob = 'https://remote.test/u/bob';
  const follow = activity('f1', 'Follow', alice, [bob], [collection('alice', 'outbox')]);

  it('saves an activity once and answers it with _meta only when asked', async () => {
    const { apex } = ctx.store();
    assert.equal(await apex.saveActivity(follow), true);
    assert.equal(await apex.saveActivity({ ...follow, type: 'Like' }), undefined);
    assert.deepEqual(await apex.getActivity(follow.id as string), without(follow, '_meta'));
    assert.deepEqual(await apex.getActivity(follow.id as string, true), follow);
    assert.equal(await apex.getActivity(`${BASE}/s/none`), null);
  });

  it('finds an activity by collection and object IRI, or by collection and actor', async () => {
    const { apex } = ctx.store();
    const following = collection('alice', 'following');
    const inFollowing = activity('f2', 'Follow', alice, [bob], [following]);
    await apex.saveActivity(inFollowing);
    // an embedded object is not matched by its IRI
    await apex.saveActivity(activity('c1', 'Create', 'https://remote.test/u/carol', [note('n', 'x')], [following]));
    assert.deepEqual(await apex.findActivityByCollectionAndObjectId(following, bob), without(inFollowing, '_meta'));
    assert.deepEqual(await apex.findActivityByCollectionAndObjectId(following, bob, true), inFollowing);
    assert.equal(await apex.findActivityByCollectionAndObjectId(following, `${BASE}/o/n`), null);
    assert.equal(await apex.findActivityByCollectionAndObjectId(collection('alice', 'blocked'), bob), null);
    assert.deepEqual(await apex.findActivityByCollectionAndActorId(following, alice, true), inFollowing);
    assert.equal(await apex.findActivityByCollectionAndActorId(following, bob), null);
  });

  it('removes an activity only for its actor', async () => {
    const { apex } = ctx.store();
    await apex.saveActivity(follow);
    assert.equal((await apex.removeActivity(follow, bob)).deletedCount, 0);
    assert.ok(await apex.getActivity(follow.id as string));
    assert.equal((await apex.removeActivity({ id: follow.id }, alice)).deletedCount, 1);
    assert.equal(await apex.getActivity(follow.id as string), null);
    assert.equal(await apex.getStreamCount(collection('alice', 'outbox')), 0);
  });

  it('adds to and removes from _meta sets, answering the activity with _meta', async () => {
    const { apex } = ctx.store();
    const followers = collection('bob', 'followers');
    await apex.saveActivity(follow);
    const added = await apex.updateActivityMeta(follow, 'collection', followers);
    assert.deepEqual(added._meta, { collection: [collection('alice', 'outbox'), followers] });
    assert.equal('_id' in added, false);
    const again = await apex.updateActivityMeta(follow, 'collection', followers);
    assert.deepEqual(again._meta, { collection: [collection('alice', 'outbox'), followers] });
    assert.equal(await apex.getStreamCount(followers), 1);
    const removed = await apex.updateActivityMeta(follow, 'collection', followers, true);
    assert.deepEqual(removed._meta, { collection: [collection('alice', 'outbox')] });
    assert.equal(await apex.getStreamCount(followers), 0);
    const noop = await apex.updateActivityMeta(follow, 'collection', followers, true);
    assert.deepEqual(noop, follow);
    await assert.rejects(apex.updateActivityMeta({ id: `${BASE}/s/none` }, 'collection', followers), /not found/);
  });

  it('creates _meta when adding to an activity without one', async () => {
    const { apex } = ctx.store();
    const bare = activity('b1', 'Like', alice, [`${BASE}/o/n`]);
    await apex.saveActivity(bare);
    const updated = await apex.updateActivityMeta(bare, 'collection', collection('alice', 'liked'));
    assert.deepEqual(updated._meta, { collection: [collection('alice', 'liked')] });
    assert.equal(await apex.getStreamCount(collection('alice', 'liked')), 1);
  });

  it('fully replaces an activity (its _meta too) and copies it into activities embedding it', async () => {
    const { apex } = ctx.store();
    await apex.saveActivity(follow);
    const accept = activity('a1', 'Accept', bob, [without(follow, '_meta')], [collection('alice', 'inbox')]);
    await apex.saveActivity(accept);
    const replaced = { ...without(follow, '_meta'), summary: ['please'] };
    assert.deepEqual(await apex.updateActivity(replaced, true), replaced);
    assert.deepEqual(await apex.getActivity(follow.id as string, true), replaced);
    assert.equal(await apex.getStreamCount(collection('alice', 'outbox')), 0);
    assert.deepEqual((await apex.getActivity(accept.id as string))?.object, [replaced]);
  });

  it('patches an activity, answering it with _meta; embedded copies stay as they were (as in apex)', async () => {
    const { apex } = ctx.store();
    await apex.saveActivity(follow);
    const accept = activity('a1', 'Accept', bob, [without(follow, '_meta')], [collection('alice', 'inbox')]);
    await apex.saveActivity(accept);
    const patched = await apex.updateActivity({ id: follow.id, summary: ['please'], to: null }, false);
    const expected = { ...without(follow, 'to'), summary: ['please'] };
    assert.deepEqual(patched, expected);
    assert.deepEqual(await apex.getActivity(follow.id as string, true), expected);
    assert.deepEqual((await apex.getActivity(accept.id as string))?.object, [without(follow, '_meta')]);
    const missing = { id: `${BASE}/s/none`, summary: ['x'] };
    assert.deepEqual(await apex.updateActivity(missing, false), missing);
  });
}
