/**
 * Rooms across instances, part 1: two real instances as separate processes
 * over HTTPS, and a Fedify-shaped peer. A persona on B follows a host on A;
 * A's rooms appear in B's hallway and room list as A creates, renames and
 * ends them; followers-only rooms show to followers only; invite-only rooms
 * never leave A; the peer receives a signed Create(Event).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { signRequest, verifyRequest } from '../../federation/signatures/index.js';
import { FakeRemote, type FakeActor } from '../helpers/fake-remote.js';
import { clusterAgent, TestClient } from '../helpers/http-client.js';
import { clusterClient, queryStore, signUp, startInstances, type InstanceCluster, type TestInstance } from '../helpers/instances.js';
import { waitFor } from '../helpers/server-process.js';
import { SignalClient } from '../helpers/signal-client.js';

const AP = { accept: 'application/activity+json' };

interface RoomView { id: string; url: string; title: string; state: string; remote: boolean; origin: string; visibility: string; host: { handle: string | null }; speakerCount: number }

function remoteRoomIds(instance: TestInstance): string[] {
  return queryStore<{ id: string }>(instance, 'SELECT id FROM remote_rooms').map((r) => r.id);
}

describe('rooms across instances (two processes over HTTPS and a Fedify-shaped peer)', () => {
  let cluster: InstanceCluster;
  let a: TestInstance;
  let b: TestInstance;
  let onA: TestClient;
  let fox: TestClient;
  let vole: TestClient;
  let owl: string;
  let fedi: FakeRemote;
  let ana: FakeActor;

  const hallway = async (client: TestClient): Promise<RoomView[]> => {
    const res = await client.get<{ rooms: RoomView[] }>(`${b.url}/api/v1/hallway`);
    assert.equal(res.status, 200, res.text);
    return res.body.rooms;
  };
  const listed = async (client: TestClient): Promise<RoomView[]> => (await client.get<{ rooms: RoomView[] }>(`${b.url}/api/v1/rooms`)).body.rooms;
  const createRoom = async (body: Record<string, unknown>): Promise<RoomView> => {
    const res = await onA.post<RoomView>(`${a.url}/api/v1/rooms`, body);
    assert.equal(res.status, 201, res.text);
    return res.body;
  };

  before(async () => {
    cluster = await startInstances(['a', 'b'], { extraHosts: { 'fedi.hearth.test': '127.0.0.9' } });
    [a, b] = cluster.instances as [TestInstance, TestInstance];
    const agent = clusterAgent(cluster.ca.caCertFile, cluster.hosts);
    onA = new TestClient(agent);
    fox = new TestClient(agent);
    vole = new TestClient(agent);
    owl = await signUp(onA, a.url, 'alice', 'owl');
    await signUp(fox, b.url, 'bob', 'fox');
    await signUp(vole, b.url, 'carol', 'vole');
    assert.equal((await fox.post(`${b.url}/api/v1/personas/fox/follow`, { target: owl })).status, 200);
    await waitFor(async () => {
      const r = await fox.get<{ following: string[] }>(`${b.url}/api/v1/personas/fox/export`);
      return r.body.following?.includes(owl);
    }, 10_000, 'fox to follow owl (Accept delivered)');

    // A Fedify-shaped server follows owl too.
    fedi = await FakeRemote.start(cluster.ca, 'fedi.hearth.test', '127.0.0.9');
    ana = fedi.addActor('ana', 'fedify');
    const followBody = JSON.stringify({ '@context': 'https://www.w3.org/ns/activitystreams', id: `${ana.id}#follow-1`, type: 'Follow', actor: ana.id, object: owl });
    const inbox = `${a.url}/inbox`;
    const headers = { 'content-type': 'application/activity+json' };
    const signed = signRequest({ method: 'POST', url: inbox, headers, body: followBody, keyId: ana.keyId, privateKeyPem: ana.privateKeyPem });
    const res = await onA.request('POST', inbox, followBody, { ...headers, ...signed });
    assert.equal(res.status, 202, res.text);
    await waitFor(() => fedi.deliveries('/inbox').some((d) => d.activity.type === 'Accept'), 10_000, 'the peer to receive Accept');
  });
  after(async () => {
    await fedi?.close();
    await cluster?.stop();
  });

  it('a public room reaches B\'s hallway and room list within 2 s, with its title, origin and live status', async () => {
    const room = await createRoom({ title: 'Night owls', description: 'talking about the dark', visibility: 'public' });
    const started = Date.now();
    const seen = await waitFor(async () => (await hallway(fox)).find((r) => r.title === 'Night owls'), 5_000, 'the room in B\'s hallway');
    assert.ok(Date.now() - started < 2_000, `listed after ${Date.now() - started} ms`);
    assert.equal(seen.remote, true);
    assert.equal(seen.origin, a.host);
    assert.equal(seen.state, 'live');
    assert.equal(seen.url, room.url, 'the remote room page');
    assert.equal(seen.host.handle, `owl@${a.host}`);
    assert.ok((await listed(fox)).some((r) => r.id === seen.id), 'in B\'s room list too');
    assert.ok((await listed(vole)).some((r) => r.id === seen.id), 'a public room shows to any B persona (some B persona follows the host)');

    // The Event at the room's id: ActivityPub clients get it, browsers the page.
    const event = await fox.get<Record<string, unknown>>(room.url, AP);
    assert.equal(event.status, 200, event.text);
    assert.equal(event.body.type, 'Event');
    assert.equal(event.body.name, 'Night owls');
    assert.equal(event.body.roomStatus, 'live');
    assert.equal(event.body.attributedTo, owl);
    const html = await fox.get(room.url, { accept: 'text/html' });
    assert.match(html.headers.get('content-type') ?? '', /text\/html/);
    // The join endpoint takes only signed link requests (cascade links: test/e2e/cascade-links.test.ts).
    const join = await fox.post<{ error: string }>(String(event.body.joinEndpoint), {});
    assert.equal(join.status, 401);
    assert.equal(join.body.error, 'signature_missing_signature');
  });

  it('the Fedify-shaped peer receives Create(Event) with name, url and the project\'s terms, signed by the host', async () => {
    const delivery = await waitFor(() => fedi.received.find((r) => r.method === 'POST' && r.path === '/inbox' && r.body.includes('"Create"') && r.body.includes('Night owls')), 10_000, 'Create(Event) at the peer');
    const activity = JSON.parse(delivery.body) as { type: string; actor: string; object: Record<string, unknown>; to: string | string[]; '@context': unknown };
    assert.equal(activity.type, 'Create');
    assert.equal(activity.actor, owl);
    const event = activity.object;
    assert.equal(event.type, 'Event');
    assert.equal(event.name, 'Night owls');
    assert.match(String(event.url), /^https:\/\/a\.hearth\.test:\d+\/rooms\//);
    assert.equal(event.roomStatus, 'live');
    assert.ok(Array.isArray(event.speakers) || event.speakers === undefined);
    assert.equal(typeof event.joinEndpoint, 'string');
    assert.match(String(event.content), /Night owls/);
    // apex compacts the Public collection to `as:Public`, which Mastodon and Fedify read as Public.
    assert.ok([activity.to].flat().some((t) => t === 'as:Public' || t === 'https://www.w3.org/ns/activitystreams#Public'), delivery.body);
    assert.match(JSON.stringify(activity['@context']), /w3id\.org\/hearth\/ns#/, 'the terms are defined inline');

    const actorDoc = await fox.get<{ publicKey: { id: string; publicKeyPem: string } }>(owl, AP);
    const verified = await verifyRequest({
      method: 'POST', path: delivery.path, headers: delivery.headers, rawBody: Buffer.from(delivery.body), now: new Date(), scheme: 'https',
      resolveKey: (keyId) => Promise.resolve(keyId === actorDoc.body.publicKey.id ? { owner: owl, publicKeyPem: actorDoc.body.publicKey.publicKeyPem } : null),
    });
    assert.ok(verified.ok, JSON.stringify(verified));
  });

  it('a new title on A shows on B', async () => {
    const room = (await hallway(fox)).find((r) => r.title === 'Night owls');
    assert.ok(room);
    const local = room.url.split('/').pop() ?? '';
    const res = await onA.request('PATCH', `${a.url}/api/v1/rooms/${local}`, { title: 'Owls at dawn' });
    assert.equal(res.status, 200, res.text);
    await waitFor(async () => (await hallway(fox)).some((r) => r.id === room.id && r.title === 'Owls at dawn'), 5_000, 'the new title on B');
  });

  it('a stage change on A reaches B as an Update with the new speakers (coalesced, within the 5 s window)', async () => {
    const room = (await hallway(fox)).find((r) => r.title === 'Owls at dawn');
    assert.ok(room);
    const roomId = room.url.split('/').pop() ?? '';
    assert.equal(room.speakerCount, 0, 'nobody on stage before anyone joined');
    const tls = { ca: cluster.caPem, ip: '127.0.0.2' };
    const hostSocket = await SignalClient.connect(a.url, onA.cookieHeader(), {}, tls);
    const speaker = clusterClient(cluster);
    await signUp(speaker, a.url, 'dora', 'wren');
    const speakerSocket = await SignalClient.connect(a.url, speaker.cookieHeader(), {}, tls);
    try {
      await hostSocket.ok('join', { roomId });
      await waitFor(async () => (await hallway(fox)).find((r) => r.id === room.id)?.speakerCount === 1, 8_000, 'the host on stage, seen on B');
      const joined = await speakerSocket.ok('join', { roomId });
      await speakerSocket.ok('raiseHand');
      await hostSocket.room((r) => Array.isArray(r.hands) && r.hands.length === 1);
      await hostSocket.ok('invite', { participantId: joined.participantId });
      await speakerSocket.event('invited');
      await speakerSocket.ok('acceptInvite');
      await waitFor(async () => (await hallway(fox)).find((r) => r.id === room.id)?.speakerCount === 2, 8_000, 'the new speaker seen on B');
      const event = await fox.get<{ speakers: string[] }>(room.url, AP);
      assert.deepEqual([...event.body.speakers].sort(), [owl, `${a.url}/u/wren`].sort(), 'speakers are the actor ids of the personas on stage');
    } finally {
      hostSocket.close();
      speakerSocket.close();
    }
  });

  it('looks a pasted room link up through B: the remote room in the shape of a local one; bad links get clear errors', async () => {
    const room = (await hallway(fox)).find((r) => r.title === 'Owls at dawn');
    assert.ok(room);
    const lookup = (url: string): Promise<{ status: number; body: RoomView & { error?: string }; text: string }> =>
      vole.get<RoomView & { error?: string }>(`${b.url}/api/v1/rooms/lookup?url=${encodeURIComponent(url)}`);
    const found = await lookup(room.url);
    assert.equal(found.status, 200, found.text);
    assert.equal(found.body.title, 'Owls at dawn');
    assert.equal(found.body.remote, true);
    assert.equal(found.body.origin, a.host);
    assert.equal(found.body.state, 'live');
    assert.equal((await lookup('not a url')).status, 400);
    assert.equal((await lookup('ftp://a.hearth.test/rooms/x')).status, 400);
    const notARoom = await lookup(owl);
    assert.equal(notARoom.status, 422, notARoom.text);
    assert.equal(notARoom.body.error, 'not_a_room');
    const missing = await lookup(`${a.url}/rooms/doesnotexist`);
    assert.equal(missing.status, 502, missing.text);
    const anonymous = clusterClient(cluster);
    assert.equal((await anonymous.get(`${b.url}/api/v1/rooms/lookup?url=${encodeURIComponent(room.url)}`)).status, 401, 'no anonymous fetching through B');
  });

  it('a followers-only room shows to the host\'s follower on B and not to another B persona', async () => {
    await createRoom({ title: 'Friends only', visibility: 'followers' });
    const seen = await waitFor(async () => (await hallway(fox)).find((r) => r.title === 'Friends only'), 5_000, 'the followers-only room for fox');
    assert.equal(seen.visibility, 'followers');
    assert.ok((await listed(fox)).some((r) => r.id === seen.id), 'in fox\'s room list');
    assert.ok(!(await listed(vole)).some((r) => r.id === seen.id), 'not in vole\'s room list');
    assert.ok(!(await hallway(vole)).some((r) => r.id === seen.id), 'not in vole\'s hallway');
    assert.equal((await fox.get(seen.url, AP)).status, 404, 'never served to whoever asks');
  });

  it('an invite-only room never leaves A', async () => {
    const secret = await createRoom({ title: 'Secret council', visibility: 'invite' });
    // A public room created after it is the positive signal that deliveries went out.
    await createRoom({ title: 'After the secret', visibility: 'public' });
    await waitFor(async () => (await hallway(fox)).some((r) => r.title === 'After the secret'), 5_000, 'the later room on B');
    await waitFor(() => fedi.received.some((r) => r.body.includes('After the secret')), 10_000, 'the later room at the peer');
    assert.ok(!remoteRoomIds(b).some((id) => id.endsWith(secret.id)), 'B stored nothing of it');
    assert.ok(!fedi.received.some((r) => r.body.includes('Secret council') || r.body.includes(secret.id)), 'the peer received nothing of it');
    assert.equal((await fox.get(secret.url, AP)).status, 404);
  });

  it('ending the room removes it from B\'s live list within 2 s', async () => {
    const room = (await hallway(fox)).find((r) => r.title === 'Owls at dawn');
    assert.ok(room);
    const res = await onA.post(`${a.url}/api/v1/rooms/${room.url.split('/').pop() ?? ''}/end`, {});
    assert.equal(res.status, 200, res.text);
    const started = Date.now();
    await waitFor(async () => !(await hallway(fox)).some((r) => r.id === room.id), 5_000, 'the ended room to leave B\'s hallway');
    assert.ok(Date.now() - started < 2_000, `left after ${Date.now() - started} ms`);
    assert.ok(!(await listed(fox)).some((r) => r.id === room.id));
  });

  it('deleting a room on A removes it from B', async () => {
    const room = (await hallway(fox)).find((r) => r.title === 'After the secret');
    assert.ok(room);
    const del = await onA.request('DELETE', `${a.url}/api/v1/rooms/${room.url.split('/').pop() ?? ''}`, {});
    assert.equal(del.status, 204, del.text);
    await waitFor(() => !remoteRoomIds(b).includes(room.id), 5_000, 'B to forget the deleted room');
    assert.equal((await fox.get(room.url, AP)).status, 404);
  });
});
