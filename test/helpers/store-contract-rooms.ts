/** Contract cases of the rooms repository: every adapter must behave exactly so. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { it } from 'node:test';
import type { RoomRecord } from '../../server/store/index.js';
import type { ContractContext } from './store-contract-context.js';

export function room(hostPersonaId: string, extra: Partial<RoomRecord> = {}): RoomRecord {
  return {
    id: randomBytes(16).toString('base64url'), hostPersonaId, title: 'Night talk', description: 'ünïcödé ✓',
    visibility: 'public', state: 'live', maxSpeakers: 10, createdAt: new Date('2025-06-01T10:00:00.000Z'),
    scheduledFor: null, startedAt: new Date('2025-06-01T10:00:00.000Z'), endedAt: null, ...extra,
  };
}

export function defineRoomsContract(ctx: ContractContext): void {
  it('creates rooms once and reads them back field for field', async () => {
    const { rooms } = ctx.store();
    const r = room('p-1', { scheduledFor: new Date('2025-06-02T00:00:00.000Z'), state: 'scheduled', startedAt: null });
    assert.equal(await rooms.create(r), true);
    assert.equal(await rooms.create({ ...r, title: 'other' }), false);
    assert.deepEqual(await rooms.get(r.id), r);
    assert.equal(await rooms.get('missing'), undefined);
  });

  it('updates the lifecycle and lists open rooms and rooms by host, oldest first', async () => {
    const { rooms } = ctx.store();
    const a = room('p-1', { createdAt: new Date('2025-06-01T10:00:00.000Z') });
    const b = room('p-2', { createdAt: new Date('2025-06-01T11:00:00.000Z'), state: 'scheduled', startedAt: null });
    const c = room('p-1', { createdAt: new Date('2025-06-01T12:00:00.000Z') });
    for (const r of [c, a, b]) await rooms.create(r);
    assert.deepEqual((await rooms.listOpen()).map((r) => r.id), [a.id, b.id, c.id]);
    const endedAt = new Date('2025-06-01T13:00:00.000Z');
    assert.deepEqual(await rooms.update(a.id, { state: 'ended', endedAt }), { ...a, state: 'ended', endedAt });
    assert.equal(await rooms.update('missing', { state: 'ended' }), undefined);
    assert.deepEqual((await rooms.listOpen()).map((r) => r.id), [b.id, c.id]);
    assert.deepEqual((await rooms.listByHost('p-1')).map((r) => [r.id, r.state]), [[a.id, 'ended'], [c.id, 'live']]);
    const reopened = await ctx.reopen();
    assert.deepEqual(await reopened.rooms.get(a.id), { ...a, state: 'ended', endedAt });
  });

  it('deletes every room of a host with its bans and invitations, and nothing else', async () => {
    const { rooms } = ctx.store();
    const mine = [room('p-host', { state: 'ended' }), room('p-host')];
    const theirs = room('p-other');
    for (const r of [...mine, theirs]) await rooms.create(r);
    const at = new Date('2025-06-01T10:00:00.000Z');
    for (const r of [...mine, theirs]) {
      await rooms.addBan(r.id, 'p-9', at);
      await rooms.addInvitation({ roomId: r.id, personaId: 'p-8', invitedAt: at });
    }
    assert.equal(await rooms.deleteByHost('p-host'), 2);
    for (const r of mine) {
      assert.equal(await rooms.get(r.id), undefined);
      assert.equal(await rooms.isBanned(r.id, 'p-9'), false);
      assert.equal(await rooms.isInvited(r.id, 'p-8'), false);
    }
    assert.deepEqual(await rooms.listByHost('p-host'), []);
    assert.deepEqual(await rooms.get(theirs.id), theirs);
    assert.equal(await rooms.isBanned(theirs.id, 'p-9'), true);
    assert.equal(await rooms.isInvited(theirs.id, 'p-8'), true);
    assert.equal(await rooms.deleteByHost('p-host'), 0);
  });

  it('keeps bans per room and forgets a subject everywhere', async () => {
    const { rooms } = ctx.store();
    const at = new Date('2025-06-01T10:00:00.000Z');
    await rooms.addBan('r1', 'p-9', at);
    await rooms.addBan('r1', 'p-9', at);
    await rooms.addBan('r2', 'p-9', at);
    await rooms.addBan('r2', 'p-8', at);
    assert.equal(await rooms.isBanned('r1', 'p-9'), true);
    assert.equal(await rooms.isBanned('r1', 'p-8'), false);
    assert.equal(await rooms.deleteBansOf('p-9'), 2);
    assert.equal(await rooms.isBanned('r2', 'p-9'), false);
    assert.equal(await rooms.isBanned('r2', 'p-8'), true);
  });

  it('keeps invitations per room, lists them oldest first, revokes them and forgets a persona everywhere', async () => {
    const { rooms } = ctx.store();
    const r1 = room('p-1', { visibility: 'invite' });
    const r2 = room('p-1', { visibility: 'invite' });
    for (const r of [r1, r2]) await rooms.create(r);
    const t = (m: number): Date => new Date(Date.UTC(2025, 5, 1, 10, m));
    assert.equal(await rooms.addInvitation({ roomId: r1.id, personaId: 'p-9', invitedAt: t(2) }), true);
    assert.equal(await rooms.addInvitation({ roomId: r1.id, personaId: 'p-9', invitedAt: t(5) }), false, 'once per persona');
    assert.equal(await rooms.addInvitation({ roomId: r1.id, personaId: 'p-8', invitedAt: t(1) }), true);
    assert.equal(await rooms.addInvitation({ roomId: r2.id, personaId: 'p-9', invitedAt: t(3) }), true);
    assert.deepEqual(await rooms.listInvitations(r1.id), [
      { roomId: r1.id, personaId: 'p-8', invitedAt: t(1) },
      { roomId: r1.id, personaId: 'p-9', invitedAt: t(2) },
    ]);
    assert.equal(await rooms.isInvited(r1.id, 'p-9'), true);
    assert.equal(await rooms.isInvited(r1.id, 'p-7'), false);
    assert.equal(await rooms.removeInvitation(r1.id, 'p-8'), true);
    assert.equal(await rooms.removeInvitation(r1.id, 'p-8'), false);
    assert.equal(await rooms.isInvited(r1.id, 'p-8'), false);
    assert.equal(await rooms.deleteInvitationsOf('p-9'), 2);
    assert.equal(await rooms.isInvited(r2.id, 'p-9'), false);
    assert.deepEqual(await rooms.listInvitations(r1.id), []);
    await rooms.addInvitation({ roomId: r2.id, personaId: 'p-6', invitedAt: t(4) });
    const reopened = await ctx.reopen();
    assert.equal(await reopened.rooms.isInvited(r2.id, 'p-6'), true, 'durable');
  });

  it('renames a room, and deletes it with its bans and invitations', async () => {
    const { rooms } = ctx.store();
    const r = room('p-1', { visibility: 'invite' });
    await rooms.create(r);
    assert.deepEqual(await rooms.update(r.id, { title: 'New title', description: 'new' }), { ...r, title: 'New title', description: 'new' });
    await rooms.addBan(r.id, 'p-5', new Date('2025-06-01T10:30:00.000Z'));
    await rooms.addInvitation({ roomId: r.id, personaId: 'p-6', invitedAt: new Date('2025-06-01T10:31:00.000Z') });
    assert.equal(await rooms.delete(r.id), true);
    assert.equal(await rooms.delete(r.id), false);
    assert.equal(await rooms.get(r.id), undefined);
    assert.equal(await rooms.isBanned(r.id, 'p-5'), false);
    assert.equal(await rooms.isInvited(r.id, 'p-6'), false);
    const reopened = await ctx.reopen();
    assert.equal(await reopened.rooms.get(r.id), undefined);
  });
}
