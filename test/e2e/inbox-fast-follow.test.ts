/**
 * The inbox's fast path for Follows accepted at once (ADR 0046) against
 * activitypub-express's own path on the same instance: a Follow of a
 * persona that approves by hand still waits, and once approved goes through
 * apex; the fast path's stored Follow, stored Accept and sent Accept have
 * exactly the shape apex gives them; the Accept verifies with the persona's
 * key; an Undo of a fast-path Follow removes the follower.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { signRequest } from '../../federation/signatures/index.js';
import { FakeRemote, type FakeActor } from '../helpers/fake-remote.js';
import { clusterAgent, TestClient, type JsonResponse } from '../helpers/http-client.js';
import { startInstances, type InstanceCluster, type TestInstance } from '../helpers/instances.js';
import { waitFor } from '../helpers/server-process.js';

const AS = 'https://www.w3.org/ns/activitystreams';
type Doc = Record<string, unknown>;

/** The stored document of an activity (read-only look at the database). */
function stored(instance: TestInstance, id: string): Doc | undefined {
  const db = new Database(path.join(instance.dataDir, 'hearth.sqlite'), { readonly: true });
  try {
    const row = db.prepare('SELECT doc FROM apex_streams WHERE id = ?').get(id) as { doc: string } | undefined;
    return row ? (JSON.parse(row.doc) as Doc) : undefined;
  } finally {
    db.close();
  }
}

/** A document's structure: keys in their order, arrays and nesting kept, every string replaced by "s". */
function shape(value: unknown): unknown {
  if (Array.isArray(value)) return (value as unknown[]).map(shape);
  if (typeof value === 'string') return 's';
  if (typeof value !== 'object' || value === null) return value;
  return Object.entries(value as Doc).map(([k, v]): [string, unknown] => [k, k === '@context' ? v : shape(v)]);
}

describe('inbox: Follows accepted at once, without activitypub-express', () => {
  let cluster: InstanceCluster;
  let a: TestInstance;
  let remote: FakeRemote;
  let client: TestClient;
  let eve: FakeActor;
  let wren: FakeActor;
  let owl: string;
  let lark: string;
  let seq = 0;

  const post = (actor: FakeActor, activity: Doc): Promise<JsonResponse> => {
    const url = `${a.url}/inbox`;
    const body = JSON.stringify(activity);
    const headers: Record<string, string> = { 'content-type': 'application/activity+json' };
    Object.assign(headers, signRequest({ method: 'POST', url, headers, body, keyId: actor.keyId, privateKeyPem: actor.privateKeyPem }));
    return client.request('POST', url, body, headers);
  };
  const follow = (actor: FakeActor, object: string): Doc => ({ '@context': AS, id: `${actor.id}#follows/${++seq}`, type: 'Follow', actor: actor.id, object });
  const acceptOf = (followId: unknown) => remote.deliveries('/inbox').find((d) => d.activity.type === 'Accept' && d.activity.object === followId);
  const followers = async (handle: string): Promise<string[]> => {
    const res = await client.get<{ followers: string[] }>(`${a.url}/api/v1/personas/${handle}/export`);
    assert.equal(res.status, 200, res.text);
    return res.body.followers;
  };

  before(async () => {
    cluster = await startInstances(['a'], { extraHosts: { 'remote.hearth.test': '127.0.0.9' } });
    a = cluster.instances[0] as TestInstance;
    remote = await FakeRemote.start(cluster.ca, 'remote.hearth.test', '127.0.0.9');
    eve = remote.addActor('eve');
    wren = remote.addActor('wren');
    client = new TestClient(clusterAgent(cluster.ca.caCertFile, { 'a.hearth.test': '127.0.0.2' }));
    assert.equal((await client.post(`${a.url}/api/v1/accounts`, { username: 'alice', password: 'alice has a long password' })).status, 201);
    owl = (await client.post<{ actorId: string }>(`${a.url}/api/v1/personas`, { handle: 'owl', displayName: 'Owl' })).body.actorId;
    lark = (await client.post<{ actorId: string }>(`${a.url}/api/v1/personas`, { handle: 'lark', displayName: 'Lark' })).body.actorId;
    assert.equal((await client.request('PATCH', `${a.url}/api/v1/personas/lark`, { approveFollowers: true })).status, 200);
  });
  after(async () => {
    await remote?.close();
    await cluster?.stop();
  });

  it('stores and sends the Follow and its Accept in exactly the shape apex gives them, signed with the persona\'s key', async () => {
    // lark approves by hand: its Follow waits, then goes through apex's acceptFollow + addToOutbox.
    const slow = follow(wren, lark);
    assert.equal((await post(wren, slow)).status, 202);
    const request = await waitFor(async () => {
      const r = await client.get<{ requests: Array<{ id: string; actor: string }> }>(`${a.url}/api/v1/personas/lark/follow-requests`);
      return r.body.requests?.find((q) => q.id === slow.id);
    }, 10_000, 'the follow request to wait for approval');
    assert.equal(request.actor, wren.id);
    // owl accepts at once: the fast path. Its Accept arriving is the signal that an Accept for lark's would have too.
    const fast = follow(eve, owl);
    const res = await post(eve, fast);
    assert.equal(res.status, 202, res.text);
    assert.equal(res.body.status, 'accepted');
    const fastSent = await waitFor(() => acceptOf(fast.id), 10_000, 'the fast path\'s Accept');
    assert.equal(acceptOf(slow.id), undefined, 'no Accept before the owner approves');
    assert.ok(!(await followers('lark')).includes(wren.id));

    assert.equal((await client.post(`${a.url}/api/v1/personas/lark/follow-requests/approve`, { id: request.id })).status, 200);
    const slowSent = await waitFor(() => acceptOf(slow.id), 10_000, 'apex\'s Accept after approval');

    // What is sent: the same terms in the same order, the same context; only the values differ.
    assert.deepEqual(shape(fastSent.activity), shape(slowSent.activity));
    assert.equal(fastSent.activity.actor, owl);
    assert.equal(fastSent.activity.to, eve.id);
    assert.match(String(fastSent.activity.id), new RegExp(`^${a.url}/s/[0-9a-f]{24}$`));
    assert.equal((fastSent.activity.shares as Doc).id, `${String(fastSent.activity.id)}/shares`);

    // What is stored: the Follow (in the followers collection) and the Accept (in the outbox).
    const fastFollow = stored(a, String(fast.id));
    const slowFollow = stored(a, String(slow.id));
    assert.deepEqual(shape(fastFollow), shape(slowFollow));
    assert.deepEqual(fastFollow, { id: fast.id, type: 'Follow', actor: [eve.id], object: [owl], _meta: { collection: [`${owl}/followers`] } });
    const fastAccept = stored(a, String(fastSent.activity.id));
    const slowAccept = stored(a, String(slowSent.activity.id));
    assert.ok(fastAccept && slowAccept);
    assert.deepEqual(shape(fastAccept), shape(slowAccept));
    assert.deepEqual(fastAccept._meta, { collection: [`${owl}/outbox`] });
    assert.deepEqual(fastAccept.object, [fast.id]);
    assert.deepEqual(await followers('owl'), [eve.id]);

    // Signed with owl's key, as the http-signature library (what apex and others use) checks it.
    const owlDoc = await client.get<{ publicKey: { publicKeyPem: string } }>(owl, { accept: 'application/activity+json' });
    const httpSignature = createRequire(import.meta.url)('http-signature') as {
      parseRequest(req: unknown): unknown;
      verifySignature(parsed: unknown, pem: string): boolean;
    };
    const parsed = httpSignature.parseRequest({ method: 'POST', url: '/inbox', httpVersion: '1.1', headers: fastSent.headers });
    assert.equal(httpSignature.verifySignature(parsed, owlDoc.body.publicKey.publicKeyPem), true);
  });

  it('answers a redelivered fast-path Follow as a duplicate and stores nothing twice', async () => {
    const again = follow(eve, owl);
    assert.equal((await post(eve, again)).status, 202);
    const dup = await post(eve, again);
    assert.equal(dup.status, 202);
    assert.equal(dup.body.status, 'duplicate');
    await waitFor(() => acceptOf(again.id), 10_000, 'the Accept');
    const later = follow(wren, owl);
    assert.equal((await post(wren, later)).status, 202);
    await waitFor(() => acceptOf(later.id), 10_000, 'a later Accept (an Accept for the duplicate would be out by now)');
    assert.equal(remote.deliveries('/inbox').filter((d) => d.activity.type === 'Accept' && d.activity.object === again.id).length, 1);
  });

  it('removes the follower when the fast-path Follow is undone', async () => {
    const f = follow(eve, owl);
    assert.equal((await post(eve, f)).status, 202);
    assert.ok((await followers('owl')).includes(eve.id));
    const undo = await post(eve, { '@context': AS, id: `${eve.id}#undo/${++seq}`, type: 'Undo', actor: eve.id, object: f });
    assert.equal(undo.status, 202, undo.text);
    assert.equal(stored(a, String(f.id)), undefined, 'the Follow is gone');
    // eve's earlier Follows of owl are separate activities; undo them too, then eve follows no more.
    for (const d of remote.deliveries('/inbox').filter((x) => x.activity.type === 'Accept' && String(x.activity.object).startsWith(`${eve.id}#`))) {
      const followId = String(d.activity.object);
      if (stored(a, followId)) assert.equal((await post(eve, { '@context': AS, id: `${eve.id}#undo/${++seq}`, type: 'Undo', actor: eve.id, object: followId })).status, 202);
    }
    assert.ok(!(await followers('owl')).includes(eve.id), 'eve is no longer a follower');
  });

  it('refuses an Undo of another actor\'s Follow and changes nothing', async () => {
    const f = follow(eve, owl);
    assert.equal((await post(eve, f)).status, 202);
    assert.ok((await followers('owl')).includes(eve.id));
    // wren signs an Undo of eve's Follow in its own name (same host: the origin checks pass).
    const undo = await post(wren, { '@context': AS, id: `${wren.id}#undo/${++seq}`, type: 'Undo', actor: wren.id, object: f.id });
    assert.equal(undo.status, 403, undo.text);
    assert.equal((undo.body as { error?: string }).error, 'not_owner');
    assert.ok(stored(a, String(f.id)), 'the Follow is still stored');
    assert.ok((await followers('owl')).includes(eve.id), 'eve is still a follower');
    // The refused Undo was not claimed: the same id is refused again, not answered as a duplicate.
    const again = await post(wren, { '@context': AS, id: `${wren.id}#undo/${seq}`, type: 'Undo', actor: wren.id, object: f.id });
    assert.equal(again.status, 403, again.text);
  });

  it('answers an Undo of a Follow it never stored cleanly (202) and changes nothing', async () => {
    const before = (await followers('owl')).sort();
    const undo = await post(eve, { '@context': AS, id: `${eve.id}#undo/${++seq}`, type: 'Undo', actor: eve.id, object: `${eve.id}#follows/never-sent` });
    assert.equal(undo.status, 202, undo.text);
    assert.deepEqual((await followers('owl')).sort(), before);
  });
});
