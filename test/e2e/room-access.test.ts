/**
 * Losing the right to be in a live room removes the participant at once: a
 * follower the host blocks, or who unfollows, leaves a followers-only room
 * (a `left` event), and its grant no longer opens media. A real server
 * process (local follows run in-process), ws signaling clients.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Agent } from 'undici';
import { TestClient } from '../helpers/http-client.js';
import { startLocalServer, waitFor, type ServerProcess } from '../helpers/server-process.js';
import { SignalClient } from '../helpers/signal-client.js';

describe('losing the right to be in a room', () => {
  let proc: ServerProcess;
  let base: string;
  let host: string;
  const owner = new TestClient(new Agent());
  const open: SignalClient[] = [];

  const signUp = async (client: TestClient, username: string, handle: string): Promise<void> => {
    assert.equal((await client.post(`${base}/api/v1/accounts`, { username, password: `${username} long password` })).status, 201);
    assert.equal((await client.post(`${base}/api/v1/personas`, { handle, displayName: handle })).status, 201);
  };
  /** A new persona that follows the owner and sits in the room; answers its client and socket. */
  const follower = async (username: string, handle: string, roomId: string): Promise<{ client: TestClient; socket: SignalClient; grant: string }> => {
    const client = new TestClient(new Agent());
    await signUp(client, username, handle);
    assert.equal((await client.post(`${base}/api/v1/personas/${handle}/follow`, { target: `owl@${host}` })).status, 200);
    await waitFor(async () => (await client.get(`${base}/api/v1/rooms/${roomId}`)).status === 200, 5_000, 'the follow to be accepted');
    const socket = await SignalClient.connect(base, client.cookieHeader());
    open.push(socket);
    const joined = await socket.ok('join', { roomId });
    return { client, socket, grant: String((joined.grant as { token: string }).token) };
  };
  const refusedWith = async (socket: SignalClient, type: string, fields: Record<string, unknown> = {}): Promise<string> => {
    const answer = await socket.request(type, fields);
    return answer.ok ? 'ok' : answer.error.code;
  };

  before(async () => {
    ({ proc, base, host } = await startLocalServer());
    await signUp(owner, 'owner', 'owl');
  });
  after(async () => {
    for (const s of open) s.close();
    proc?.kill('SIGTERM');
    await proc?.exited;
  });

  const room = async (title: string): Promise<string> => {
    const created = await owner.post<{ id: string }>(`${base}/api/v1/rooms`, { title, visibility: 'followers' });
    assert.equal(created.status, 201, created.text);
    return created.body.id;
  };

  it('a follower the host blocks leaves the followers-only room at once', { timeout: 30_000 }, async () => {
    const id = await room('Blocked out');
    const fan = await follower('blockee', 'bat', id);
    const left = fan.socket.event('left');
    assert.equal((await owner.post(`${base}/api/v1/personas/owl/block`, { target: `bat@${host}` })).status, 200);
    assert.deepEqual((await left).data, { roomId: id, reason: 'removed' });
    assert.equal((await fan.client.get(`${base}/api/v1/rooms/${id}`)).status, 404);
    assert.equal(await refusedWith(fan.socket, 'refreshGrant'), 'not_joined');
    assert.equal(await refusedWith(fan.socket, 'createTransport', { grant: fan.grant, direction: 'recv' }), 'not_joined');
    assert.equal(await refusedWith(fan.socket, 'join', { roomId: id }), 'room_not_found');
  });

  it('a follower who unfollows leaves the followers-only room at once', { timeout: 30_000 }, async () => {
    const id = await room('Unfollowed');
    const fan = await follower('leaver', 'lark', id);
    const left = fan.socket.event('left');
    assert.equal((await fan.client.post(`${base}/api/v1/personas/lark/unfollow`, { target: `http://${host}/u/owl` })).status, 200);
    assert.deepEqual((await left).data, { roomId: id, reason: 'removed' });
    assert.equal(await refusedWith(fan.socket, 'refreshGrant'), 'not_joined');
    assert.equal(await refusedWith(fan.socket, 'createTransport', { grant: fan.grant, direction: 'recv' }), 'not_joined');
  });
});
