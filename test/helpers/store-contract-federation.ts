/** Contract of the FederationRepository: tombstones, contacts and actor purges. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { ContractContext } from './store-contract-context.js';

const ALICE = 'https://hearth.test/u/alice';
const BOB = 'https://remote.test/users/bob';

export function defineFederationContract(ctx: ContractContext): void {
  it('keeps tombstones, first write wins, across reopen', async () => {
    const { federation } = ctx.store();
    assert.equal(await federation.getTombstone(ALICE), undefined);
    await federation.putTombstone({ actorId: ALICE, handle: 'alice', deletedAt: '2026-01-01T00:00:00.000Z', receiptId: 'r1' });
    await federation.putTombstone({ actorId: ALICE, handle: 'alice', deletedAt: '2027-01-01T00:00:00.000Z', receiptId: 'r2' });
    const reopened = await ctx.reopen();
    assert.deepEqual(await reopened.federation.getTombstone(ALICE), { actorId: ALICE, handle: 'alice', deletedAt: '2026-01-01T00:00:00.000Z', receiptId: 'r1' });
  });

  it('records contacts once each, per actor', async () => {
    const { federation } = ctx.store();
    await federation.recordContacts(ALICE, ['https://b.test/inbox', 'https://a.test/inbox']);
    await federation.recordContacts(ALICE, ['https://b.test/inbox']);
    await federation.recordContacts(BOB, ['https://c.test/inbox']);
    assert.deepEqual(await federation.contacts(ALICE), ['https://a.test/inbox', 'https://b.test/inbox']);
    assert.deepEqual(await federation.contacts(BOB), ['https://c.test/inbox']);
  });

  it('purges an actor: its document, its activities, activities about it, its contacts', async () => {
    const store = ctx.store();
    await store.apex.saveObject({ id: BOB, type: 'Person', inbox: [`${BOB}/inbox`] });
    await store.apex.saveObject({ id: ALICE, type: 'Person', inbox: [`${ALICE}/inbox`] });
    const follow = { id: 'https://remote.test/f/1', type: 'Follow', actor: [BOB], object: [ALICE], _meta: { collection: [`${ALICE}/followers`] } };
    const followBack = { id: 'https://hearth.test/s/2', type: 'Follow', actor: [ALICE], object: [BOB], _meta: { collection: [`${ALICE}/following`] } };
    const update = { id: 'https://remote.test/u/3', type: 'Update', actor: ['https://remote.test/users/carol'], object: [{ id: BOB, type: 'Person' }], _meta: { collection: [] } };
    const unrelated = { id: 'https://hearth.test/s/4', type: 'Like', actor: [ALICE], object: ['https://x.test/o/1'], _meta: { collection: [] } };
    for (const a of [follow, followBack, update, unrelated]) await store.apex.saveActivity(a);
    await store.federation.recordContacts(BOB, ['https://hearth.test/inbox']);

    const purged = await store.federation.purgeActor(BOB);
    assert.deepEqual(purged, { objects: 1, activities: 3 });
    assert.equal(await store.apex.getObject(BOB), null);
    for (const a of [follow, followBack, update]) assert.equal(await store.apex.getActivity(a.id), null, a.id);
    assert.ok(await store.apex.getActivity(unrelated.id), 'activities not about the actor stay');
    assert.ok(await store.apex.getObject(ALICE), 'other actors stay');
    assert.deepEqual(await store.federation.contacts(BOB), []);
  });

  it('claims an inbound activity id once, and releases a failed claim', async () => {
    const { federation } = ctx.store();
    const id = 'https://remote.test/activities/1';
    assert.equal(await federation.claimInbound(id, '2026-01-01T00:00:00.000Z'), true);
    assert.equal(await federation.claimInbound(id, '2026-01-01T00:00:01.000Z'), false);
    await federation.releaseInbound(id);
    assert.equal(await federation.claimInbound(id, '2026-01-01T00:00:02.000Z'), true);
  });

  it('keeps follow requests per local actor until taken, and purges them with either actor', async () => {
    const { federation } = ctx.store();
    const r1 = { followId: 'https://remote.test/f/1', localActor: ALICE, remoteActor: BOB, receivedAt: '2026-01-01T00:00:00.000Z' };
    const r2 = { followId: 'https://remote.test/f/2', localActor: ALICE, remoteActor: 'https://remote.test/users/carol', receivedAt: '2026-01-02T00:00:00.000Z' };
    await federation.putFollowRequest(r2);
    await federation.putFollowRequest(r1);
    assert.deepEqual(await federation.followRequests(ALICE), [r1, r2]);
    assert.deepEqual(await federation.followRequests(BOB), []);
    assert.deepEqual(await federation.takeFollowRequest(r1.followId), r1);
    assert.equal(await federation.takeFollowRequest(r1.followId), undefined);
    await federation.purgeActor('https://remote.test/users/carol');
    assert.deepEqual(await federation.followRequests(ALICE), []);
  });

  it('keeps reports, newest first, once per activity', async () => {
    const { federation } = ctx.store();
    const older = { activityId: 'https://remote.test/flag/1', reporter: BOB, objects: [ALICE], content: 'spam', receivedAt: '2026-01-01T00:00:00.000Z' };
    const newer = { activityId: 'https://remote.test/flag/2', reporter: BOB, objects: [ALICE, 'https://hearth.test/o/1'], content: '', receivedAt: '2026-01-03T00:00:00.000Z' };
    await federation.putReport(older);
    await federation.putReport(newer);
    await federation.putReport({ ...older, content: 'changed' });
    assert.deepEqual(await federation.reports(10), [newer, older]);
    assert.deepEqual(await federation.reports(1), [newer]);
  });

  it('stores one inbound activity as a unit: claim, activities, deliveries and contacts; a duplicate writes nothing', async () => {
    const store = ctx.store();
    const followId = 'https://remote.test/f/unit';
    const follow = { id: followId, type: 'Follow', actor: [BOB], object: [ALICE], _meta: { collection: [`${ALICE}/followers`] } };
    const accept = { id: 'https://hearth.test/s/unit-accept', type: 'Accept', actor: [ALICE], object: [followId], to: [BOB], _meta: { collection: [`${ALICE}/outbox`] } };
    const job = { activityId: accept.id, inbox: 'https://remote.test/inbox', host: 'remote.test', body: '{}', keyId: `${ALICE}#main-key`, privateKeyPem: 'pem', batchId: null };
    const now = new Date('2026-06-01T00:00:00.000Z');
    const unit = { activityId: followId, receivedAt: now.toISOString(), activities: [follow, accept], deliveries: { jobs: [job], now }, contacts: { actorId: ALICE, inboxes: [job.inbox] } };
    assert.equal(await store.storeInbound(unit), true);
    const reopened = await ctx.reopen();
    assert.deepEqual((await reopened.apex.getActivity(followId, true))?._meta, { collection: [`${ALICE}/followers`] });
    assert.deepEqual((await reopened.apex.getActivity(accept.id, true))?._meta, { collection: [`${ALICE}/outbox`] });
    assert.equal((await reopened.delivery.findJob(accept.id, job.inbox))?.state, 'pending');
    assert.deepEqual(await reopened.federation.contacts(ALICE), [job.inbox]);
    assert.equal(await reopened.federation.claimInbound(followId, now.toISOString()), false, 'the id is claimed');

    const other = { ...accept, id: 'https://hearth.test/s/unit-accept-2' };
    assert.equal(await reopened.storeInbound({ ...unit, activities: [other], deliveries: { jobs: [{ ...job, activityId: other.id }], now } }), false);
    assert.equal(await reopened.apex.getActivity(other.id), null, 'a duplicate stores nothing');
    assert.equal(await reopened.delivery.findJob(other.id, job.inbox), undefined);
  });
}
