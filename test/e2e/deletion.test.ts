/**
 * Deletion of personas and accounts on a real instance (HTTPS, own host
 * name) with a scripted remote follower: deletion works whatever state the
 * persona is in, leaves nothing of it in the database file, its write-ahead
 * log or the delivery queue, and does not tie the personas of one account
 * together by times.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { signRequest } from '../../federation/signatures/index.js';
import { FakeRemote, type FakeActor } from '../helpers/fake-remote.js';
import type { TestClient } from '../helpers/http-client.js';
import { clusterClient, queryStore, startInstances, type InstanceCluster, type TestInstance } from '../helpers/instances.js';
import { waitFor } from '../helpers/server-process.js';

const AS = 'https://www.w3.org/ns/activitystreams';
const AP = { accept: 'application/activity+json' };
/** Remote Deletes are spread over this window here (HEARTH_DELETION_SPREAD_SECONDS). */
const SPREAD_SECONDS = 12;

/** Every byte of the data directory (database, WAL, shared memory), read while the server runs. */
function diskBytes(instance: TestInstance): Buffer {
  return Buffer.concat(fs.readdirSync(instance.dataDir).filter((f) => f.startsWith('hearth.sqlite')).map((f) => fs.readFileSync(path.join(instance.dataDir, f))));
}

describe('deletion (HTTP, real instance, remote follower)', () => {
  let cluster: InstanceCluster;
  let a: TestInstance;
  let remote: FakeRemote;
  let mallory: FakeActor;
  let seq = 0;
  const clients: TestClient[] = [];
  const client = (): TestClient => {
    const c = clusterClient(cluster);
    clients.push(c);
    return c;
  };

  /** Signs up a new account with these personas (the first one acting); answers its client. */
  const signUp = async (username: string, handles: string[]): Promise<TestClient> => {
    const c = client();
    const res = await c.post(`${a.url}/api/v1/accounts`, { username, password: `${username} long password` });
    assert.equal(res.status, 201, res.text);
    for (const handle of handles) {
      const p = await c.post(`${a.url}/api/v1/personas`, { handle, displayName: handle });
      assert.equal(p.status, 201, p.text);
    }
    return c;
  };

  /** A remote actor posts an activity, signed with its key, to the shared inbox. */
  const remotePost = async (from: FakeActor, activity: Record<string, unknown>): Promise<{ status: number; error?: string }> => {
    const url = `${a.url}/inbox`;
    const body = JSON.stringify({ '@context': AS, actor: from.id, ...activity });
    const headers: Record<string, string> = { 'content-type': 'application/activity+json' };
    Object.assign(headers, signRequest({ method: 'POST', url, headers, body, keyId: from.keyId, privateKeyPem: from.privateKeyPem }));
    const res = await clients[0]!.request<{ error?: string }>('POST', url, body, headers);
    return { status: res.status, ...(res.body.error ? { error: res.body.error } : {}) };
  };

  /** The remote actor (mallory by default) follows a local persona. */
  const remoteFollow = async (handle: string, from: FakeActor = mallory): Promise<void> => {
    const res = await remotePost(from, { id: `${from.id}#follows/${++seq}`, type: 'Follow', object: `${a.url}/u/${handle}` });
    assert.equal(res.status, 202);
  };

  const followers = async (owner: TestClient, handle: string): Promise<string[]> =>
    (await owner.get<{ followers: string[] }>(`${a.url}/api/v1/personas/${handle}/export`)).body.followers;

  const deletesReceived = (): Array<{ object: string; actor: string; at: number; keyId: string }> =>
    remote.deliveries('/inbox')
      .filter((d) => d.activity.type === 'Delete')
      .map((d) => ({
        object: String(d.activity.object),
        actor: String(d.activity.actor),
        at: d.at,
        keyId: /keyId="([^"]+)"/.exec(String(d.headers.signature ?? ''))?.[1] ?? '',
      }));

  before(async () => {
    cluster = await startInstances(['a'], {
      env: { HEARTH_DELETION_SPREAD_SECONDS: String(SPREAD_SECONDS) },
      extraHosts: { 'remote.hearth.test': '127.0.0.9' },
    });
    a = cluster.instances[0] as TestInstance;
    remote = await FakeRemote.start(cluster.ca, 'remote.hearth.test', '127.0.0.9');
    mallory = remote.addActor('mallory');
    client(); // clients[0]: anonymous
  });
  after(async () => {
    await remote?.close();
    await cluster?.stop();
  });

  it('a local follower and a profile edit leave the persona whole: follows work, deletion succeeds, nothing stays on disk', async () => {
    const host = await signUp('hostuser', ['heron']);
    const fan = await signUp('fanuser', ['finch']);
    const late = await signUp('lateuser', ['stoat']);
    await remoteFollow('heron');
    assert.equal((await fan.post(`${a.url}/api/v1/personas/finch/follow`, { target: `${a.url}/u/heron` })).status, 200);
    await waitFor(async () => (await followers(host, 'heron')).length === 2, 10_000, 'both followers to be recorded');

    const name = 'Heron Displayname Marker';
    const summary = 'summary-marker-that-must-vanish';
    const edit = await host.request('PATCH', `${a.url}/api/v1/personas/heron`, { displayName: name, summary });
    assert.equal(edit.status, 200, edit.text);
    // The Update went out to the remote follower (so its body sat in the delivery queue)...
    await waitFor(() => remote.deliveries('/inbox').some((d) => d.activity.type === 'Update'), 10_000, 'the remote follower to receive the Update');
    // ...and reached the local follower in-process, which must not have replaced the stored actor.
    const actor = await clients[0]!.get<{ name: string; publicKey: { publicKeyPem: string } }>(`${a.url}/u/heron`, AP);
    assert.equal(actor.status, 200);
    assert.equal(actor.body.name, name);

    // A follow after the edit is still accepted.
    assert.equal((await late.post(`${a.url}/api/v1/personas/stoat/follow`, { target: `${a.url}/u/heron` })).status, 200);
    await waitFor(async () => (await followers(host, 'heron')).includes(`${a.url}/u/stoat`), 10_000, 'the new follower to be recorded');

    const room = await host.post<{ id: string }>(`${a.url}/api/v1/rooms`, { title: 'room-title-marker', description: 'room-description-marker', visibility: 'public' });
    assert.equal(room.status, 201, room.text);
    const [stored] = queryStore<{ doc: string }>(a, 'SELECT doc FROM apex_objects WHERE id = ?', `${a.url}/u/heron`);
    const privateKey = (JSON.parse(stored?.doc ?? '{}') as { _meta?: { privateKey?: string } })._meta?.privateKey ?? '';
    assert.match(privateKey, /BEGIN PRIVATE KEY/, 'the private key survived the profile edit');
    const keyLine = privateKey.split('\n')[5] ?? '';
    assert.equal(keyLine.length, 64);

    const deleted = await host.request<{ receipts: Array<{ receiptId: string }> }>('DELETE', `${a.url}/api/v1/personas/heron`, { password: 'hostuser long password' });
    assert.equal(deleted.status, 200, deleted.text);
    const gone = await clients[0]!.get<Record<string, unknown>>(`${a.url}/u/heron`, AP);
    assert.equal(gone.status, 410);
    assert.equal(gone.body.type, 'Tombstone');
    assert.equal('deleted' in gone.body, false, 'no deletion time on the Tombstone');
    assert.equal((await late.get(`${a.url}/api/v1/rooms/${room.body.id}`)).status, 404, 'the host\'s room is gone');

    const receiptId = deleted.body.receipts[0]?.receiptId ?? '';
    await waitFor(async () => {
      const r = await host.get<{ instances: Array<{ state: string }> }>(`${a.url}/api/v1/deletions/${receiptId}`);
      return r.body.instances?.[0]?.state === 'acknowledged';
    }, (SPREAD_SECONDS + 10) * 1000, 'the remote follower to acknowledge the Delete');
    const [del] = deletesReceived();
    assert.deepEqual([del?.object, del?.keyId], [`${a.url}/u/heron`, `${a.url}/u/heron#main-key`], 'signed with its own key');
    // The Delete's key was erased when its job ended, and the store checkpointed after it.
    const markers = [name, summary, 'room-title-marker', 'room-description-marker', keyLine];
    await waitFor(() => {
      const bytes = diskBytes(a);
      return markers.every((m) => !bytes.includes(Buffer.from(m)));
    }, 5_000, 'the database and its WAL to hold nothing of the deleted persona');
    const queued = queryStore<{ n: number }>(a, 'SELECT count(*) AS n FROM delivery_jobs WHERE body LIKE ?', `%${summary}%`);
    assert.equal(queued[0]?.n, 0, 'no queued body carries the profile');
  });

  it('a persona whose key was lost is still deleted, its Delete signed by the instance actor', async () => {
    const owner = await signUp('lostkey', ['wren']);
    await remoteFollow('wren');
    await waitFor(async () => (await followers(owner, 'wren')).length === 1, 10_000, 'the remote follower to be recorded');
    // The state an earlier version left behind: the stored actor without its private key.
    const db = new Database(path.join(a.dataDir, 'hearth.sqlite'));
    try {
      db.pragma('busy_timeout = 5000');
      const changed = db.prepare("UPDATE apex_objects SET doc = json_remove(doc, '$._meta.privateKey') WHERE id = ?").run(`${a.url}/u/wren`).changes;
      assert.equal(changed, 1);
    } finally {
      db.close();
    }
    const res = await owner.request('DELETE', `${a.url}/api/v1/accounts/me`, { password: 'lostkey long password' });
    assert.equal(res.status, 200, res.text);
    assert.equal((await clients[0]!.get(`${a.url}/u/wren`, AP)).status, 410);
    await waitFor(() => deletesReceived().some((d) => d.object === `${a.url}/u/wren`), (SPREAD_SECONDS + 10) * 1000, 'the remote to receive the Delete');
    const del = deletesReceived().find((d) => d.object === `${a.url}/u/wren`);
    assert.deepEqual([del?.actor, del?.keyId], [`${a.url}/actor`, `${a.url}/actor#main-key`]);
  });

  it('accepts the Delete of a remote actor from another actor of its server only once the actor answers 410', async () => {
    const owner = await signUp('watcher', ['lynx']);
    const ghost = remote.addActor('ghost');
    const eve = remote.addActor('eve');
    await remoteFollow('lynx', ghost);
    await waitFor(async () => (await followers(owner, 'lynx')).includes(ghost.id), 10_000, 'the remote follower to be recorded');
    const del = (): Promise<{ status: number; error?: string }> =>
      remotePost(eve, { id: `${eve.id}#deletes/${++seq}`, type: 'Delete', object: ghost.id });
    assert.deepEqual(await del(), { status: 403, error: 'not_owner' }, 'the actor still exists: refused');
    assert.ok((await followers(owner, 'lynx')).includes(ghost.id));
    remote.route((req, res) => {
      if (req.method !== 'GET' || req.url !== '/users/ghost') return false;
      res.writeHead(410, { 'content-type': 'application/activity+json' }).end(JSON.stringify({ id: ghost.id, type: 'Tombstone' }));
      return true;
    });
    assert.deepEqual(await del(), { status: 202 });
    assert.deepEqual(await followers(owner, 'lynx'), [], 'the deleted actor is purged');
  });

  it('an account\'s personas: no deletion times, Deletes spread out in time', async () => {
    const handles = ['pika', 'puma', 'pony'];
    const owner = await signUp('manypersonas', handles);
    for (const h of handles) await remoteFollow(h);
    for (const h of handles) await waitFor(async () => (await followers(owner, h)).length === 1, 10_000, `${h}'s follower to be recorded`);
    const res = await owner.request('DELETE', `${a.url}/api/v1/accounts/me`, { password: 'manypersonas long password' });
    assert.equal(res.status, 200, res.text);
    for (const h of handles) {
      const gone = await clients[0]!.get<Record<string, unknown>>(`${a.url}/u/${h}`, AP);
      assert.equal(gone.status, 410);
      assert.equal('deleted' in gone.body, false);
    }
    const ours = (): Array<{ at: number }> => deletesReceived().filter((d) => handles.some((h) => d.object === `${a.url}/u/${h}`));
    await waitFor(() => ours().length === 3, (SPREAD_SECONDS + 10) * 1000, 'the three Deletes to arrive');
    const times = ours().map((d) => d.at).sort((x, y) => x - y);
    // Scheduled at least SPREAD/(2*3) = 2 s apart; the runner polls every second.
    for (let i = 1; i < times.length; i++) {
      assert.ok((times[i] ?? 0) - (times[i - 1] ?? 0) >= 800, `Deletes ${i - 1} and ${i} arrived ${(times[i] ?? 0) - (times[i - 1] ?? 0)} ms apart`);
    }
  });
});
