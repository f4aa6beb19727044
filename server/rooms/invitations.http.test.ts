/**
 * Invitations to invite-only rooms over HTTP and signaling, on a real store
 * and a real mediasoup worker: invite, list, see and join as invited, 404 for
 * everyone else, revoke (which removes the persona from the live room).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client } from '../../test/helpers/accounts-harness.js';
import { startRoomsHarness, type RoomsHarness } from '../../test/helpers/rooms-harness.js';
import type { SignalClient } from '../../test/helpers/signal-client.js';

describe('room invitations (HTTP, real store and worker)', () => {
  let h: RoomsHarness;
  const open: SignalClient[] = [];
  before(async () => (h = await startRoomsHarness()));
  after(async () => {
    for (const c of open) c.close();
    await h.close();
  });
  const signal = async (cookie?: string): Promise<SignalClient> => {
    const c = await h.signal(cookie);
    open.push(c);
    return c;
  };
  const ids = (body: unknown): string[] => (body as { rooms: { id: string }[] }).rooms.map((r) => r.id);

  it('invited personas see, list and join the room; others get 404; revoking removes them from the live room', { timeout: 30_000 }, async () => {
    const host = await h.person('inv_host');
    const ann = await h.person('inv_ann');
    const bob = await h.person('inv_bob');
    const created = await host.client.post('/api/v1/rooms', { title: 'Secret', visibility: 'invite' });
    const id = String(created.body.id);
    assert.equal(created.body.invitations, undefined, 'not in room views');
    assert.equal((await ann.client.get(`/api/v1/rooms/${id}`)).status, 404, 'not invited yet');

    const invited = await host.client.post(`/api/v1/rooms/${id}/invitations`, { handle: 'inv_ann' });
    assert.equal(invited.status, 201, JSON.stringify(invited.body));
    assert.equal(invited.body.handle, 'inv_ann');
    const listed = await host.client.get(`/api/v1/rooms/${id}/invitations`);
    assert.equal(listed.status, 200);
    assert.deepEqual((listed.body.invitations as { handle: string }[]).map((i) => i.handle), ['inv_ann']);

    const seen = await ann.client.get(`/api/v1/rooms/${id}`);
    assert.equal(seen.status, 200);
    assert.equal(seen.body.invitations, undefined, 'the view holds no invitation list');
    assert.ok(ids((await ann.client.get('/api/v1/rooms')).body).includes(id), 'listed for the invited');
    assert.equal((await bob.client.get(`/api/v1/rooms/${id}`)).status, 404, 'uninvited: as if it did not exist');
    assert.ok(!ids((await bob.client.get('/api/v1/rooms')).body).includes(id));
    assert.equal((await new Client(h.baseUrl).get(`/api/v1/rooms/${id}`)).status, 404, 'guests: 404');
    assert.equal((await ann.client.get(`/api/v1/rooms/${id}/invitations`)).status, 403, 'invited, not host: no list');
    assert.equal((await bob.client.get(`/api/v1/rooms/${id}/invitations`)).status, 404, 'uninvited: 404, not 403');

    const B = await signal(bob.cookie);
    const refused = await B.request('join', { roomId: id });
    assert.equal(refused.ok ? 'ok' : refused.error.code, 'room_not_found');
    const A = await signal(ann.cookie);
    await A.ok('join', { roomId: id });
    assert.ok(h.rooms.service.live(id)?.stage.participant(ann.personaId), 'joined');

    const left = A.event('left', (d) => d.reason === 'removed');
    const revoked = await host.client.delete(`/api/v1/rooms/${id}/invitations/inv_ann`);
    assert.equal(revoked.status, 204);
    await left;
    assert.equal(h.rooms.service.live(id)?.stage.participant(ann.personaId), undefined, 'removed from the live room');
    assert.equal((await ann.client.get(`/api/v1/rooms/${id}`)).status, 404, 'no longer visible');
    const rejoin = await A.request('join', { roomId: id });
    assert.equal(rejoin.ok ? 'ok' : rejoin.error.code, 'room_not_found');
    assert.deepEqual((await host.client.get(`/api/v1/rooms/${id}/invitations`)).body.invitations, []);
  });

  it('lets a moderator of the live room invite', { timeout: 30_000 }, async () => {
    const host = await h.person('mod_host');
    const mod = await h.person('mod_mod');
    await h.person('mod_new');
    const id = String((await host.client.post('/api/v1/rooms', { title: 'Moderated', visibility: 'invite' })).body.id);
    await host.client.post(`/api/v1/rooms/${id}/invitations`, { handle: 'mod_mod' });
    assert.equal((await mod.client.post(`/api/v1/rooms/${id}/invitations`, { handle: 'mod_new' })).status, 403, 'a listener may not');
    const [H, M] = [await signal(host.cookie), await signal(mod.cookie)];
    await H.ok('join', { roomId: id });
    await M.ok('join', { roomId: id });
    await H.ok('invite', { participantId: mod.personaId });
    await M.ok('acceptInvite');
    await H.ok('promote', { participantId: mod.personaId });
    assert.equal((await mod.client.post(`/api/v1/rooms/${id}/invitations`, { handle: 'mod_new' })).status, 201);
    assert.equal((await mod.client.get(`/api/v1/rooms/${id}/invitations`)).status, 403, 'the list stays the host\'s');
  });

  it('a moderator learns nothing of the invitation list and cannot undo the host\'s invitations', { timeout: 30_000 }, async () => {
    const host = await h.person('prb_host');
    const mod = await h.person('prb_mod');
    const secret = await h.person('prb_secret');
    await h.person('prb_fresh');
    const id = String((await host.client.post('/api/v1/rooms', { title: 'Probe', visibility: 'invite' })).body.id);
    const path = `/api/v1/rooms/${id}/invitations`;
    await host.client.post(path, { handle: 'prb_mod' });
    await host.client.post(path, { handle: 'prb_secret' });
    const [H, M] = [await signal(host.cookie), await signal(mod.cookie)];
    await H.ok('join', { roomId: id });
    await M.ok('join', { roomId: id });
    await H.ok('invite', { participantId: mod.personaId });
    await M.ok('acceptInvite');
    await H.ok('promote', { participantId: mod.personaId });

    const invitedAlready = await mod.client.post(path, { handle: 'prb_secret' });
    const invitedNew = await mod.client.post(path, { handle: 'prb_fresh' });
    assert.equal(invitedNew.status, 201);
    assert.deepEqual([invitedAlready.status, Object.keys(invitedAlready.body).sort()], [invitedNew.status, Object.keys(invitedNew.body).sort()],
      'the same answer whether the persona was invited already or not');

    const revokeHosts = await mod.client.delete(`${path}/prb_secret`);
    const revokeNone = await mod.client.delete(`${path}/prb_host`);
    assert.deepEqual([revokeHosts.status, revokeHosts.body], [revokeNone.status, revokeNone.body], 'invited or not: the same refusal');
    assert.equal(revokeHosts.status, 403);
    assert.equal(await h.store.rooms.isInvited(id, secret.personaId), true, 'the host\'s invitation stands');
    assert.equal((await mod.client.delete(`${path}/prb_fresh`)).status, 403, 'only the host revokes, even what a moderator issued');
    assert.equal((await host.client.delete(`${path}/prb_fresh`)).status, 204, 'the host revokes any invitation');
  });

  it('answers 400, 403, 404 and 409 where it should', async () => {
    const host = await h.person('err_host');
    const other = await h.person('err_other');
    const id = String((await host.client.post('/api/v1/rooms', { title: 'Errors', visibility: 'invite' })).body.id);
    const path = `/api/v1/rooms/${id}/invitations`;
    for (const body of [{}, { handle: '' }, { handle: 'err_other', extra: 1 }, { handle: 42 }]) {
      const res = await host.client.post(path, body);
      assert.deepEqual([res.status, res.body.error], [400, 'invalid_request'], JSON.stringify(body));
    }
    assert.match(String((await host.client.post(path, { handle: 'err_other', role: 'x' })).body.message), /unknown field "role"/);
    assert.deepEqual([(await host.client.post(path, { handle: 'nobody_here' })).status], [404], 'unknown handle');
    assert.equal((await host.client.post('/api/v1/rooms/no-such-room/invitations', { handle: 'err_other' })).status, 404, 'unknown room');
    const first = await host.client.post(path, { handle: 'err_other' });
    const again = await host.client.post(path, { handle: 'err_other' });
    assert.deepEqual([again.status, again.body], [first.status, first.body], 'inviting twice answers as inviting once');
    const notHost = await other.client.post(path, { handle: 'err_host' });
    assert.deepEqual([notHost.status, notHost.body.error], [403, 'not_host']);
    assert.equal((await other.client.delete(`${path}/err_other`)).status, 403);
    assert.equal((await host.client.delete(`${path}/nobody_here`)).status, 404, 'no such persona');
    assert.equal((await host.client.delete(`${path}/err_other`)).status, 204);
    assert.equal(await h.store.rooms.isInvited(id, other.personaId), false);
    assert.equal((await host.client.delete(`${path}/err_other`)).status, 204, 'revoking again: the same answer');
    assert.equal((await new Client(h.baseUrl).post(path, { handle: 'err_other' })).status, 401);
    const publicId = String((await host.client.post('/api/v1/rooms', { title: 'Open', visibility: 'public' })).body.id);
    const notInviteOnly = await host.client.post(`/api/v1/rooms/${publicId}/invitations`, { handle: 'err_other' });
    assert.deepEqual([notInviteOnly.status, notInviteOnly.body.error], [409, 'not_invite_only']);
  });

  it('drops a deleted persona\'s invitations', async () => {
    const host = await h.person('del_host');
    const gone = await h.person('del_gone');
    const id = String((await host.client.post('/api/v1/rooms', { title: 'Keep', visibility: 'invite' })).body.id);
    await host.client.post(`/api/v1/rooms/${id}/invitations`, { handle: 'del_gone' });
    assert.equal(await h.store.rooms.isInvited(id, gone.personaId), true);
    await h.hooks.emitPersonaDeleted({ personaId: gone.personaId, handle: 'del_gone', actorId: null });
    assert.equal(await h.store.rooms.isInvited(id, gone.personaId), false);
    assert.deepEqual(await h.store.rooms.listInvitations(id), []);
  });
});
