/**
 * Personas of one instance follow each other in-process (no HTTP round trip
 * to the server itself, which its own address policy would refuse), and a
 * followers-only room is visible to followers and to nobody else; the
 * hallway lists the rooms of the local personas one follows.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Agent } from 'undici';
import { TestClient } from '../helpers/http-client.js';
import { startLocalServer, waitFor, type ServerProcess } from '../helpers/server-process.js';

describe('local follows and followers-only rooms', () => {
  let proc: ServerProcess;
  let base: string;
  let host: string;
  const hostUser = new TestClient(new Agent());
  const fan = new TestClient(new Agent());
  const stranger = new TestClient(new Agent());

  const signUp = async (client: TestClient, username: string, handle: string): Promise<void> => {
    assert.equal((await client.post(`${base}/api/v1/accounts`, { username, password: `${username} long password` })).status, 201);
    assert.equal((await client.post(`${base}/api/v1/personas`, { handle, displayName: handle })).status, 201);
  };

  before(async () => {
    // The allow-list stays empty: a local follow must never go through the network.
    ({ proc, base, host } = await startLocalServer());
    await signUp(hostUser, 'hoster', 'heron');
    await signUp(fan, 'fanuser', 'finch');
    await signUp(stranger, 'strange', 'stoat');
  });
  after(async () => {
    proc?.kill('SIGTERM');
    await proc?.exited;
  });

  it('follows a persona of the same instance by handle@host, accepted at once', async () => {
    const res = await fan.post(`${base}/api/v1/personas/finch/follow`, { target: `heron@${host}` });
    assert.equal(res.status, 200, res.text);
    const exported = await waitFor(async () => {
      const r = await hostUser.get<{ followers: string[] }>(`${base}/api/v1/personas/heron/export`);
      return r.body.followers.length === 1 ? r.body : undefined;
    }, 5_000, 'the follower to be recorded');
    assert.deepEqual(exported.followers, [`http://${host}/u/finch`]);
    const following = await fan.get<{ following: string[] }>(`${base}/api/v1/personas/finch/export`);
    assert.deepEqual(following.body.following, [`http://${host}/u/heron`]);
  });

  it('refuses a persona of another account (404, never revealing it) and malformed bodies (400)', async () => {
    const foreign = await stranger.post(`${base}/api/v1/personas/finch/follow`, { target: `heron@${host}` });
    assert.equal(foreign.status, 404);
    const requests = await stranger.get(`${base}/api/v1/personas/finch/follow-requests`);
    assert.equal(requests.status, 404);
    const extra = await fan.post(`${base}/api/v1/personas/finch/follow`, { target: `heron@${host}`, also: 1 });
    assert.equal(extra.status, 400);
    assert.equal(extra.body.error, 'invalid_body');
    const missing = await fan.post(`${base}/api/v1/reports`, {});
    assert.equal(missing.status, 400);
    const noSession = await new TestClient(new Agent()).post(`${base}/api/v1/personas/finch/block`, { target: `heron@${host}` });
    assert.equal(noSession.status, 401);
  });

  it('lists the rooms of a followed local persona in the follower\'s hallway, unlisted ones included, and in nobody else\'s', async () => {
    const created = await hostUser.post<{ id: string }>(`${base}/api/v1/rooms`, { title: 'Down the hall', visibility: 'unlisted' });
    assert.equal(created.status, 201, created.text);
    const hallway = async (client: TestClient): Promise<string[]> => {
      const r = await client.get<{ rooms: Array<{ id: string }> }>(`${base}/api/v1/hallway`);
      assert.equal(r.status, 200, r.text);
      return r.body.rooms.map((room) => room.id);
    };
    assert.ok((await hallway(fan)).includes(created.body.id), 'finch follows heron: the room is in finch\'s hallway');
    assert.ok(!(await hallway(stranger)).includes(created.body.id), 'stoat follows nobody: not in its hallway');
  });

  it('shows a followers-only room to followers and to nobody else', async () => {
    const created = await hostUser.post<{ id: string }>(`${base}/api/v1/rooms`, { title: 'For followers', visibility: 'followers' });
    assert.equal(created.status, 201, created.text);
    const id = created.body.id;
    assert.equal((await fan.get(`${base}/api/v1/rooms/${id}`)).status, 200);
    assert.equal((await stranger.get(`${base}/api/v1/rooms/${id}`)).status, 404);
    assert.equal((await new TestClient(new Agent()).get(`${base}/api/v1/rooms/${id}`)).status, 404, 'guests do not see it');
    const fanList = await fan.get<{ rooms: Array<{ id: string }> }>(`${base}/api/v1/rooms`);
    assert.ok(fanList.body.rooms.some((r) => r.id === id));
    const strangerList = await stranger.get<{ rooms: Array<{ id: string }> }>(`${base}/api/v1/rooms`);
    assert.ok(!strangerList.body.rooms.some((r) => r.id === id));

    assert.equal((await fan.post(`${base}/api/v1/personas/finch/unfollow`, { target: `http://${host}/u/heron` })).status, 200);
    await waitFor(async () => (await fan.get(`${base}/api/v1/rooms/${id}`)).status === 404, 5_000, 'the room to be hidden after unfollowing');
  });
});
