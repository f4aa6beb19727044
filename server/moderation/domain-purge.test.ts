/**
 * The live part of a domain suspend on one server: participants of the
 * suspended domain (their actor id or `user@host` handle, as cascade links
 * bring them) leave every live room within a second of the block, with the
 * `domain_blocked` reason; those of other domains and local ones stay. The
 * remote arrivals are placed on the stage directly, covering subdomains and
 * spellings cheaply; real cascade links are suspended in
 * test/e2e/moderation.test.ts. Everything else is real: the HTTP block, the
 * domain-suspended event, the rooms.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ok } from '../core/result.js';
import { startRoomsHarness, type RoomsHarness } from '../../test/helpers/rooms-harness.js';

describe('a domain suspend empties live rooms of that domain\'s people (remote arrivals stood in)', () => {
  let h: RoomsHarness;
  before(async () => (h = await startRoomsHarness()));
  after(async () => h.close());

  it('removes c.example\'s participants within 1 s, keeps b.example\'s and local listeners', { timeout: 20_000 }, async () => {
    const admin = await h.person('mod_admin');
    const local = await h.person('local_ear');
    const created = await admin.client.post('/api/v1/rooms', { title: 'Across', visibility: 'public' });
    const roomId = String(created.body.id);
    const L = await h.signal(local.cookie);
    await L.ok('join', { roomId });
    const live = h.rooms.service.live(roomId);
    assert.ok(live);
    const arrivals: Array<[string, string]> = [['remote:c1', 'cat@C.Example'], ['remote:c2', 'kit@sub.c.example:8443'], ['remote:b1', 'fox@b.example']];
    for (const [id, handle] of arrivals) {
      await live.apply((stage) => {
        const joined = stage.join({ id, kind: 'persona', handle, displayName: handle, hidden: false });
        return joined.ok ? ok(joined.value.change) : joined;
      });
    }
    assert.equal(live.stage.participants().length, 4);

    const started = Date.now();
    const res = await admin.client.post('/api/v1/admin/domain-blocks', { domain: 'c.example', level: 'suspend' });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const left = (): string[] => live.stage.participants().map((p) => p.id).sort();
    while (left().includes('remote:c1') || left().includes('remote:c2')) {
      assert.ok(Date.now() - started < 1_000, 'gone within 1 s');
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.deepEqual(left(), [local.personaId, 'remote:b1'].sort());
    const room = await L.room((r) => (r.listenerCount as number) === 2);
    assert.ok(room, 'the local listener is still in, and told of the change');
    L.close();
  });

  it('a limit does not remove anyone', async () => {
    const admin = await h.person('mod_admin2');
    const created = await admin.client.post('/api/v1/rooms', { title: 'Limited', visibility: 'public' });
    const live = h.rooms.service.live(String(created.body.id));
    assert.ok(live);
    await live.apply((stage) => {
      const joined = stage.join({ id: 'remote:l1', kind: 'persona', handle: 'owl@l.example', displayName: 'owl', hidden: false });
      return joined.ok ? ok(joined.value.change) : joined;
    });
    const first = await h.store.accounts.findByUsername('u_mod_admin');
    assert.ok(first?.isAdmin);
    const res = await (await h.person('unused_x')).client.post('/api/v1/admin/domain-blocks', { domain: 'l.example', level: 'limit' });
    assert.equal(res.status, 403, 'only staff');
    const blocked = await h.moderation.blocks.create({ accountId: null, username: 'test' }, { domain: 'l.example', level: 'limit' });
    assert.ok(blocked.ok);
    assert.ok(live.stage.participant('remote:l1'), 'still listening');
  });
});
