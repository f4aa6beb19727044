/** The rooms HTTP API on a real store and a real mediasoup worker. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client } from '../../test/helpers/accounts-harness.js';
import { startRoomsHarness, type RoomsHarness } from '../../test/helpers/rooms-harness.js';
import { waitFor } from '../../test/helpers/server-process.js';

describe('rooms HTTP API', () => {
  let h: RoomsHarness;
  before(async () => (h = await startRoomsHarness({ idleSeconds: 5 })));
  after(() => h.close());

  it('creates a live room hosted by the acting persona, with a random id', async () => {
    const { client } = await h.person('host_a');
    const res = await client.post('/api/v1/rooms', { title: 'Late night', description: 'talk', visibility: 'public', maxSpeakers: 4 });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.state, 'live');
    assert.equal(res.body.visibility, 'public');
    assert.equal(res.body.maxSpeakers, 4);
    assert.deepEqual(res.body.host, { handle: 'host_a', displayName: 'HOST_A' });
    assert.match(String(res.body.id), /^[A-Za-z0-9_-]{22}$/);
    const second = await client.post('/api/v1/rooms', { title: 'Another', visibility: 'public' });
    assert.notEqual(second.body.id, res.body.id);
    assert.equal((await client.get(`/api/v1/rooms/${String(res.body.id)}`)).body.title, 'Late night');
    const guest = new Client(h.baseUrl);
    assert.equal((await guest.get(`/api/v1/rooms/${String(res.body.id)}`)).status, 200, 'guests see public rooms');
  });

  it('refuses bad bodies with 400 and the error shape, and anonymous writes with 401', async () => {
    const { client } = await h.person('host_b');
    for (const body of [{}, { title: 'x', visibility: 'secret' }, { title: 'x', visibility: 'public', extra: 1 }, { title: '', visibility: 'public' }, { title: 'x', visibility: 'public', maxSpeakers: 0 }]) {
      const res = await client.post('/api/v1/rooms', body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.body.error, 'invalid_request');
      assert.equal(typeof res.body.message, 'string');
    }
    const anonymous = await new Client(h.baseUrl).post('/api/v1/rooms', { title: 'x', visibility: 'public' });
    assert.equal(anonymous.status, 401);
    assert.equal((await client.get('/api/v1/rooms/nope')).status, 404);
  });

  it('schedules, starts (host only) and ends rooms; wrong states are 409', async () => {
    const { client } = await h.person('host_c');
    const { client: other } = await h.person('other_c');
    const when = new Date(Date.now() + 3_600_000).toISOString();
    const res = await client.post('/api/v1/rooms', { title: 'Later', visibility: 'public', scheduledFor: when });
    assert.equal(res.body.state, 'scheduled');
    const id = String(res.body.id);
    assert.equal((await other.post(`/api/v1/rooms/${id}/start`)).status, 403);
    const started = await client.post(`/api/v1/rooms/${id}/start`);
    assert.equal(started.status, 200);
    assert.equal(started.body.state, 'live');
    assert.equal((await client.post(`/api/v1/rooms/${id}/start`)).status, 409);
    const ended = await client.post(`/api/v1/rooms/${id}/end`);
    assert.equal(ended.body.state, 'ended');
    assert.ok(ended.body.endedAt);
    const again = await client.post(`/api/v1/rooms/${id}/end`);
    assert.deepEqual([again.status, again.body.error], [409, 'bad_state']);
  });

  it('lists live and scheduled rooms by visibility', async () => {
    const { client: host } = await h.person('host_d');
    const { client: viewer } = await h.person('viewer_d');
    const ids: Record<string, string> = {};
    for (const visibility of ['public', 'unlisted', 'followers', 'invite']) {
      ids[visibility] = String((await host.post('/api/v1/rooms', { title: `room ${visibility}`, visibility })).body.id);
    }
    const seen = (list: { rooms: { id: string }[] }): string[] => list.rooms.map((r) => r.id);
    const mine = seen((await host.get('/api/v1/rooms')).body as never);
    for (const v of ['public', 'unlisted', 'followers', 'invite']) assert.ok(mine.includes(ids[v]!), `host sees own ${v}`);
    const theirs = seen((await viewer.get('/api/v1/rooms')).body as never);
    assert.ok(theirs.includes(ids.public!));
    for (const v of ['unlisted', 'followers', 'invite']) assert.ok(!theirs.includes(ids[v]!), `viewer does not list ${v}`);
    assert.equal((await viewer.get(`/api/v1/rooms/${ids.unlisted}`)).status, 200, 'unlisted: visible with the id');
    assert.equal((await viewer.get(`/api/v1/rooms/${ids.invite}`)).status, 404);
    assert.equal((await new Client(h.baseUrl).get(`/api/v1/rooms/${ids.unlisted}`)).status, 404, 'guests: public only');
  });

  it('ends a live room nobody joined after the idle timeout', { timeout: 20_000 }, async () => {
    const { client } = await h.person('host_e');
    const id = String((await client.post('/api/v1/rooms', { title: 'Empty', visibility: 'public' })).body.id);
    await waitFor(async () => (await client.get(`/api/v1/rooms/${id}`)).body.state === 'ended', 10_000, 'the idle room to end');
  });

  it('publishes the grant keys as a JWKS', async () => {
    const res = await new Client(h.baseUrl).get('/.well-known/hearth/jwks.json');
    assert.equal(res.status, 200);
    const keys = res.body.keys as { kty: string; crv: string; kid: string; d?: string }[];
    assert.equal(keys.length, 1);
    assert.equal(keys[0]?.kty, 'EC');
    assert.equal(keys[0]?.d, undefined, 'no private part');
  });

  it('ends and purges hosted rooms when the persona is deleted, and lists them in its export before', async () => {
    const { client, personaId } = await h.person('host_f');
    const id = String((await client.post('/api/v1/rooms', { title: 'Mine', visibility: 'public' })).body.id);
    const hosted = (await h.hooks.hostedRooms({ personaId, handle: 'host_f' })) as { id: string }[];
    assert.deepEqual(hosted.map((r) => r.id), [id]);
    await h.store.rooms.addBan('some-room', personaId, new Date());
    const { client: viewer } = await h.person('viewer_f');
    assert.equal((await viewer.get(`/api/v1/rooms/${id}`)).status, 200);
    await h.hooks.emitPersonaDeleted({ personaId, handle: 'host_f', actorId: null });
    assert.equal((await viewer.get(`/api/v1/rooms/${id}`)).status, 404, 'nothing of the room is served');
    assert.equal(await h.store.rooms.get(id), undefined, 'nor kept');
    assert.equal(await h.store.rooms.isBanned('some-room', personaId), false, 'its bans are forgotten');
    assert.equal(h.rooms.service.live(id), undefined, 'no longer live in memory');
  });

  it('starts a scheduled room by itself at its time; it is then listed as live', { timeout: 20_000 }, async () => {
    const { client } = await h.person('host_g');
    const { client: viewer } = await h.person('viewer_g');
    const when = new Date(Date.now() + 1_500).toISOString();
    const res = await client.post('/api/v1/rooms', { title: 'Soon', visibility: 'public', scheduledFor: when });
    assert.equal(res.body.state, 'scheduled');
    const id = String(res.body.id);
    await waitFor(async () => (await viewer.get(`/api/v1/rooms/${id}`)).body.state === 'live', 10_000, 'the scheduled room to go live');
    const listed = ((await viewer.get('/api/v1/rooms')).body as { rooms: { id: string; state: string; startedAt: string | null }[] }).rooms.find((r) => r.id === id);
    assert.equal(listed?.state, 'live');
    assert.ok(listed.startedAt !== null && Date.parse(listed.startedAt) >= Date.parse(when), 'started at its time, not before');
    assert.ok(h.rooms.service.live(id), 'live in memory');
  });

  it('a room scheduled months ahead arms no timer that overflows', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error): void => void warnings.push(w.name);
    process.on('warning', onWarning);
    try {
      const { client } = await h.person('host_h');
      const when = new Date(Date.now() + 90 * 24 * 3_600_000).toISOString();
      const res = await client.post('/api/v1/rooms', { title: 'Far', visibility: 'public', scheduledFor: when });
      assert.equal(res.body.state, 'scheduled');
      // The positive signal: a room scheduled after it, 1 s ahead, goes live by itself; an
      // overflowing timer (Node turns it into 1 ms) would have fired long before that.
      const soon = await client.post('/api/v1/rooms', { title: 'Witness', visibility: 'public', scheduledFor: new Date(Date.now() + 1_000).toISOString() });
      assert.equal(soon.body.state, 'scheduled');
      await waitFor(async () => (await client.get(`/api/v1/rooms/${String(soon.body.id)}`)).body.state === 'live', 10_000, 'the witness room to go live');
      assert.equal((await client.get(`/api/v1/rooms/${String(res.body.id)}`)).body.state, 'scheduled', 'did not start early');
      assert.ok(!warnings.includes('TimeoutOverflowWarning'), warnings.join(', '));
      assert.equal((await client.post(`/api/v1/rooms/${String(res.body.id)}/start`)).body.state, 'live', 'the host can still start it early');
    } finally {
      process.off('warning', onWarning);
    }
  });
  it('renames and deletes rooms for the host only; bad bodies 400, others 403, anonymous 401, unknown 404, ended 409; nothing changes on refusal', async () => {
    const { client } = await h.person('host_r');
    const { client: other } = await h.person('other_r');
    const created = await client.post('/api/v1/rooms', { title: 'Original', description: 'first words', visibility: 'public' });
    const id = String(created.body.id);
    for (const body of [{}, { title: '' }, { title: 'x'.repeat(201) }, { title: 'bell\u0007' }, { description: 'y'.repeat(2001) }, { title: 'ok', extra: true }, { title: 42 }]) {
      const res = await client.patch(`/api/v1/rooms/${id}`, body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(res.body.error, 'invalid_request');
      assert.equal(typeof res.body.message, 'string');
    }
    assert.equal((await other.patch(`/api/v1/rooms/${id}`, { title: 'Hijacked' })).status, 403);
    assert.equal((await new Client(h.baseUrl).patch(`/api/v1/rooms/${id}`, { title: 'Anonymous' })).status, 401);
    assert.equal((await client.patch('/api/v1/rooms/doesnotexist', { title: 'Nowhere' })).status, 404);
    assert.equal((await other.delete(`/api/v1/rooms/${id}`)).status, 403);
    assert.equal((await new Client(h.baseUrl).delete(`/api/v1/rooms/${id}`)).status, 401);
    assert.equal((await client.delete('/api/v1/rooms/doesnotexist')).status, 404);
    const unchanged = await client.get(`/api/v1/rooms/${id}`);
    assert.deepEqual([unchanged.body.title, unchanged.body.description], ['Original', 'first words'], 'refused requests changed nothing');

    const renamed = await client.patch(`/api/v1/rooms/${id}`, { title: 'Renamed' });
    assert.equal(renamed.status, 200, JSON.stringify(renamed.body));
    assert.deepEqual([renamed.body.title, renamed.body.description], ['Renamed', 'first words']);
    assert.equal((await client.post(`/api/v1/rooms/${id}/end`)).status, 200);
    const late = await client.patch(`/api/v1/rooms/${id}`, { title: 'Too late' });
    assert.equal(late.status, 409);
    assert.equal((await client.delete(`/api/v1/rooms/${id}`)).status, 204);
    assert.equal((await client.get(`/api/v1/rooms/${id}`)).status, 404, 'a deleted room is gone');
    assert.equal((await client.delete(`/api/v1/rooms/${id}`)).status, 404);
  });
});
