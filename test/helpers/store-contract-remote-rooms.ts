/** Contract cases of the remote rooms repository: every adapter must behave exactly so. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { RemoteRoomRecord } from '../../server/store/index.js';
import type { ContractContext } from './store-contract-context.js';

const HOST = 'https://a.test/u/owl';
const OTHER = 'https://c.test/users/bat';

function remoteRoom(id: string, extra: Partial<RemoteRoomRecord> = {}): RemoteRoomRecord {
  return {
    id: `https://a.test/rooms/${id}`, hostActorId: HOST, origin: 'https://a.test', title: 'Night talk', summary: 'ünïcödé ✓',
    status: 'live', audience: 'public', speakers: [HOST, 'https://a.test/u/lark'], listenerCount: 3,
    startTime: new Date('2026-06-01T10:00:00.000Z'), endTime: null, url: `https://a.test/rooms/${id}`,
    joinEndpoint: `https://a.test/rooms/${id}/join`, updatedAt: new Date('2026-06-01T10:00:01.000Z'),
    receivedAt: new Date('2026-06-01T10:00:02.000Z'), ...extra,
  };
}

export function defineRemoteRoomsContract(ctx: ContractContext): void {
  it('stores a remote room field for field; an older copy never replaces a newer one', async () => {
    const { remoteRooms } = ctx.store();
    const r = remoteRoom('r1');
    assert.equal(await remoteRooms.put(r), true);
    assert.deepEqual(await remoteRooms.get(r.id), r);
    const newer = { ...r, title: 'Renamed', speakers: [], updatedAt: new Date('2026-06-01T10:05:00.000Z') };
    assert.equal(await remoteRooms.put(newer), true);
    assert.equal(await remoteRooms.put({ ...r, title: 'Stale' }), false, 'an older Update arriving late is ignored');
    assert.deepEqual(await remoteRooms.get(r.id), newer);
    const reopened = await ctx.reopen();
    assert.deepEqual(await reopened.remoteRooms.get(r.id), newer);
    assert.equal(await reopened.remoteRooms.get('https://a.test/rooms/missing'), undefined);
  });

  it('lists open rooms newest first, by host when asked; deletes one or all of a host', async () => {
    const { remoteRooms } = ctx.store();
    const old = remoteRoom('old', { startTime: new Date('2026-06-01T08:00:00.000Z') });
    const scheduled = remoteRoom('next', { status: 'scheduled', startTime: new Date('2026-06-02T08:00:00.000Z') });
    const ended = remoteRoom('done', { status: 'ended', endTime: new Date('2026-06-01T09:00:00.000Z') });
    const other = remoteRoom('bat', { id: 'https://c.test/rooms/bat', hostActorId: OTHER, origin: 'https://c.test', startTime: null });
    for (const r of [old, scheduled, ended, other]) await remoteRooms.put(r);
    // `other` has no start time: it sorts by when it was received (2026-06-01T10:00:02Z).
    assert.deepEqual((await remoteRooms.listOpen()).map((r) => r.id), [scheduled.id, other.id, old.id]);
    assert.deepEqual((await remoteRooms.listOpen([OTHER])).map((r) => r.id), [other.id]);
    assert.deepEqual(await remoteRooms.listOpen([]), []);
    assert.equal(await remoteRooms.delete(old.id), true);
    assert.equal(await remoteRooms.delete(old.id), false);
    assert.equal(await remoteRooms.deleteByHost(HOST), 2);
    assert.deepEqual((await remoteRooms.listOpen()).map((r) => r.id), [other.id]);
  });

  it('forgets every room of a suspended domain, its subdomains included, and nothing else', async () => {
    const { remoteRooms } = ctx.store();
    const onC = remoteRoom('c1', { id: 'https://c.test/rooms/c1', hostActorId: OTHER, origin: 'https://c.test' });
    const onSub = remoteRoom('c2', { id: 'https://live.c.test:8443/rooms/c2', hostActorId: 'https://live.c.test:8443/u/x', origin: 'https://live.c.test:8443' });
    const lookalike = remoteRoom('c3', { id: 'https://notc.test/rooms/c3', hostActorId: 'https://notc.test/u/y', origin: 'https://notc.test' });
    const onA = remoteRoom('a1');
    for (const r of [onC, onSub, lookalike, onA]) await remoteRooms.put(r);
    assert.equal(await remoteRooms.deleteOnDomain('c.test'), 2);
    assert.equal(await remoteRooms.get(onC.id), undefined);
    assert.equal(await remoteRooms.get(onSub.id), undefined);
    assert.deepEqual((await remoteRooms.listOpen()).map((r) => r.id).sort(), [lookalike.id, onA.id].sort());
    assert.equal(await remoteRooms.deleteOnDomain('c.test'), 0);
  });

  it('knows whether some local persona follows a host (an accepted follow in a following collection)', async () => {
    const { apex, remoteRooms } = ctx.store();
    const base = 'https://hearth.test';
    assert.equal(await remoteRooms.followedLocally(OTHER, base), false);
    // A follow that is only in the outbox (not accepted yet) does not count.
    await apex.saveActivity({ id: `${base}/s/f1`, type: 'Follow', actor: [`${base}/u/fox`], object: [OTHER], _meta: { collection: [`${base}/u/fox/outbox`] } });
    assert.equal(await remoteRooms.followedLocally(OTHER, base), false);
    await apex.updateActivityMeta({ id: `${base}/s/f1` }, 'collection', `${base}/u/fox/following`);
    assert.equal(await remoteRooms.followedLocally(OTHER, base), true);
    assert.equal(await remoteRooms.followedLocally(OTHER, 'https://elsewhere.test'), false, 'only this instance\'s personas count');
    assert.equal(await remoteRooms.followedLocally(HOST, base), false);
  });
}
