/**
 * Bad input at the room inbox of a real instance (HTTPS, own process), sent
 * by a scripted peer whose actors sign like Mastodon: misattributed rooms,
 * rooms of another origin, updates by someone else, links to other origins,
 * oversized fields, rooms nobody here follows, and a flood of Updates.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { signRequest } from '../../federation/signatures/index.js';
import { FakeRemote, type FakeActor } from '../helpers/fake-remote.js';
import { clusterAgent, TestClient, type JsonResponse } from '../helpers/http-client.js';
import { startInstances, type InstanceCluster, type TestInstance } from '../helpers/instances.js';
import { waitFor } from '../helpers/server-process.js';

const AS = 'https://www.w3.org/ns/activitystreams';
const PUBLIC = `${AS}#Public`;
const CONTEXT = [AS, { hearth: 'https://w3id.org/hearth/ns#', roomStatus: 'hearth:roomStatus', speakers: { '@id': 'hearth:speakers', '@type': '@id' }, listenerCount: 'hearth:listenerCount', joinEndpoint: { '@id': 'hearth:joinEndpoint', '@type': '@id' } }];

interface StoredRoom { id: string; title: string; summary: string; speakers: string; url: string | null; join_endpoint: string | null; host_actor_id: string }

describe('room inbox: bad input from a remote peer', () => {
  let cluster: InstanceCluster;
  let b: TestInstance;
  let remote: FakeRemote;
  let fox: TestClient;
  let bat: FakeActor;
  let ana: FakeActor;
  let stranger: FakeActor;
  let seq = 0;

  const stored = (id: string): StoredRoom | undefined => {
    const db = new Database(path.join(b.dataDir, 'hearth.sqlite'), { readonly: true });
    try {
      return db.prepare('SELECT * FROM remote_rooms WHERE id = ?').get(id) as StoredRoom | undefined;
    } finally {
      db.close();
    }
  };
  const post = (actor: FakeActor, activity: Record<string, unknown>): Promise<JsonResponse> => {
    const url = `${b.url}/inbox`;
    const body = JSON.stringify({ '@context': CONTEXT, id: `${actor.id}#activities/${++seq}`, actor: actor.id, ...activity });
    const headers = { 'content-type': 'application/activity+json' };
    return fox.request('POST', url, body, { ...headers, ...signRequest({ method: 'POST', url, headers, body, keyId: actor.keyId, privateKeyPem: actor.privateKeyPem }) });
  };
  const event = (host: FakeActor, name: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
    id: `${remote.origin}/rooms/${name}`,
    type: 'Event',
    attributedTo: host.id,
    name: `Room ${name}`,
    url: `${remote.origin}/rooms/${name}`,
    startTime: '2026-06-01T10:00:00Z',
    updated: '2026-06-01T10:00:00Z',
    roomStatus: 'live',
    speakers: [host.id],
    listenerCount: 2,
    joinEndpoint: `${remote.origin}/rooms/${name}/join`,
    to: [PUBLIC],
    cc: [`${host.id}/followers`],
    ...extra,
  });
  const hallwayTitles = async (): Promise<string[]> => (await fox.get<{ rooms: Array<{ title: string }> }>(`${b.url}/api/v1/hallway`)).body.rooms.map((r) => r.title);
  const listTitles = async (): Promise<string[]> => (await fox.get<{ rooms: Array<{ title: string }> }>(`${b.url}/api/v1/rooms`)).body.rooms.map((r) => r.title);

  before(async () => {
    cluster = await startInstances(['b'], { extraHosts: { 'peer.hearth.test': '127.0.0.9' } });
    b = cluster.instances[0] as TestInstance;
    remote = await FakeRemote.start(cluster.ca, 'peer.hearth.test', '127.0.0.9');
    bat = remote.addActor('bat');
    ana = remote.addActor('ana');
    stranger = remote.addActor('stranger');
    fox = new TestClient(clusterAgent(cluster.ca.caCertFile, { 'b.hearth.test': '127.0.0.2' }));
    assert.equal((await fox.post(`${b.url}/api/v1/accounts`, { username: 'bob', password: 'bob has a long password' })).status, 201);
    assert.equal((await fox.post(`${b.url}/api/v1/personas`, { handle: 'fox', displayName: 'Fox' })).status, 201);
    assert.equal((await fox.post(`${b.url}/api/v1/personas/fox/follow`, { target: bat.id })).status, 200);
    const follow = await waitFor(() => remote.deliveries('/inbox').find((d) => d.activity.type === 'Follow'), 10_000, 'fox\'s Follow at the peer');
    const accepted = await post(bat, { type: 'Accept', object: follow.activity.id });
    assert.equal(accepted.status, 202, accepted.text);
    await waitFor(async () => (await fox.get<{ following: string[] }>(`${b.url}/api/v1/personas/fox/export`)).body.following?.includes(bat.id), 5_000, 'fox to follow bat');
  });
  after(async () => {
    await remote?.close();
    await cluster?.stop();
  });

  it('stores a well-formed room of a followed host and lists it (the baseline the refusals below are measured against)', async () => {
    const res = await post(bat, { type: 'Create', object: event(bat, 'good') });
    assert.equal(res.status, 202, res.text);
    assert.ok((await hallwayTitles()).includes('Room good'));
    assert.ok((await listTitles()).includes('Room good'));
  });

  it('refuses a Create(Event) attributed to someone other than the signer: 403, nothing stored', async () => {
    const res = await post(bat, { type: 'Create', object: event(ana, 'forged') });
    assert.equal(res.status, 403, res.text);
    assert.equal(stored(`${remote.origin}/rooms/forged`), undefined);
  });

  it('refuses a Create(Event) whose id is on another origin: 403, nothing stored', async () => {
    const res = await post(bat, { type: 'Create', object: event(bat, 'elsewhere', { id: 'https://elsewhere.hearth.test/rooms/x' }) });
    assert.equal(res.status, 403, res.text);
    assert.equal(stored('https://elsewhere.hearth.test/rooms/x'), undefined);
  });

  it('refuses an Update of a room by another actor: 403, the room unchanged', async () => {
    const res = await post(ana, { type: 'Update', object: event(ana, 'good', { name: 'Hijacked', updated: '2026-06-01T11:00:00Z' }) });
    assert.equal(res.status, 403, res.text);
    assert.equal(stored(`${remote.origin}/rooms/good`)?.title, 'Room good');
    const del = await post(ana, { type: 'Delete', object: `${remote.origin}/rooms/good` });
    assert.equal(del.status, 403, del.text);
    assert.ok(stored(`${remote.origin}/rooms/good`));
  });

  it('stores a room whose url and join endpoint are on another origin without them', async () => {
    const res = await post(bat, { type: 'Create', object: event(bat, 'links', { url: 'https://evil.hearth.test/phish', joinEndpoint: 'https://evil.hearth.test/join' }) });
    assert.equal(res.status, 202, res.text);
    const row = stored(`${remote.origin}/rooms/links`);
    assert.equal(row?.url, null);
    assert.equal(row?.join_endpoint, null);
    const view = (await fox.get<{ rooms: Array<{ id: string; url: string }> }>(`${b.url}/api/v1/hallway`)).body.rooms.find((r) => r.id === row?.id);
    assert.equal(view?.url, row?.id, 'the room links to its own id, never to the other origin');
  });

  it('cuts fields over their limits: title 200, summary 2,000, 50 speakers', async () => {
    const speakers = Array.from({ length: 60 }, (_, i) => `${remote.origin}/users/s${i}`);
    const res = await post(bat, { type: 'Create', object: event(bat, 'big', { name: 'T'.repeat(300), summary: 'S'.repeat(3_000), speakers }) });
    assert.equal(res.status, 202, res.text);
    const row = stored(`${remote.origin}/rooms/big`);
    assert.equal(row?.title.length, 200);
    assert.equal(row?.summary.length, 2_000);
    assert.equal((JSON.parse(row?.speakers ?? '[]') as string[]).length, 50);
  });

  it('refuses an Event without a title (422) and leaves Events that are not rooms alone', async () => {
    const untitled = event(bat, 'untitled');
    delete untitled.name;
    assert.equal((await post(bat, { type: 'Create', object: untitled })).status, 422);
    const calendar = event(bat, 'calendar');
    delete calendar.roomStatus;
    assert.equal((await post(bat, { type: 'Create', object: calendar })).status, 202);
    assert.equal(stored(`${remote.origin}/rooms/untitled`), undefined);
    assert.equal(stored(`${remote.origin}/rooms/calendar`), undefined, 'an Event without roomStatus is not a room');
  });

  it('lists a followers-only room of an actor nobody here follows to no one', async () => {
    const res = await post(stranger, { type: 'Create', object: event(stranger, 'lonely', { to: [`${stranger.id}/followers`], cc: [] }) });
    assert.equal(res.status, 202, res.text);
    const publicOne = await post(stranger, { type: 'Create', object: event(stranger, 'unfollowed-public') });
    assert.equal(publicOne.status, 202, publicOne.text);
    assert.ok(stored(`${remote.origin}/rooms/lonely`), 'stored as announced');
    assert.ok(!(await listTitles()).includes('Room lonely'));
    assert.ok(!(await hallwayTitles()).includes('Room lonely'));
    assert.ok(!(await listTitles()).includes('Room unfollowed-public'), 'a public room of a host nobody here follows is not listed either');
  });

  it('processes a flood of Updates in order: the newest wins, a late stale one changes nothing', async () => {
    const updates = Array.from({ length: 8 }, (_, i) => post(bat, {
      type: 'Update',
      object: event(bat, 'good', { name: `Version ${i}`, updated: `2026-06-01T12:00:0${i}Z` }),
    }));
    const answers = await Promise.all(updates);
    assert.deepEqual(answers.map((r) => r.status), Array(8).fill(202));
    assert.equal(stored(`${remote.origin}/rooms/good`)?.title, 'Version 7');
    assert.equal((await post(bat, { type: 'Update', object: event(bat, 'good', { name: 'Stale', updated: '2026-06-01T11:59:00Z' }) })).status, 202);
    assert.equal(stored(`${remote.origin}/rooms/good`)?.title, 'Version 7');
  });

  it('forgets a room on its host\'s Delete, and every room of a deleted host', async () => {
    assert.equal((await post(bat, { type: 'Delete', object: { id: `${remote.origin}/rooms/good`, type: 'Tombstone' } })).status, 202);
    assert.equal(stored(`${remote.origin}/rooms/good`), undefined);
    assert.ok(stored(`${remote.origin}/rooms/links`));
    assert.equal((await post(bat, { type: 'Delete', object: bat.id })).status, 202);
    assert.equal(stored(`${remote.origin}/rooms/links`), undefined);
    assert.equal(stored(`${remote.origin}/rooms/big`), undefined);
    assert.ok(stored(`${remote.origin}/rooms/lonely`), 'other hosts\' rooms stay');
  });
});
