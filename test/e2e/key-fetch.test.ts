/**
 * What an unauthenticated inbox POST can make the server fetch and keep,
 * counted at scripted remote servers: a keyId that fails is fetched once
 * (negative cache), fetches are limited per keyId host before anything is
 * fetched, an actor is stored only after its signature verified, and JSON-LD
 * contexts off the bundled list are never stored.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { signRequest } from '../../federation/signatures/index.js';
import { FakeRemote, type FakeActor } from '../helpers/fake-remote.js';
import type { JsonResponse, TestClient } from '../helpers/http-client.js';
import { clusterClient, signUp, startInstances, type InstanceCluster, type TestInstance } from '../helpers/instances.js';

const AS = 'https://www.w3.org/ns/activitystreams';
const KEY_FETCHES_PER_HOST = 5;

describe('inbox key fetching (amplification and growth)', () => {
  let cluster: InstanceCluster;
  let a: TestInstance;
  let remote: FakeRemote;
  let flood: FakeRemote;
  let client: TestClient;
  let owl: string;
  let seq = 0;
  const strangerKey = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } }).privateKey;

  const count = (sql: string, ...args: unknown[]): number => {
    const db = new Database(path.join(a.dataDir, 'hearth.sqlite'), { readonly: true });
    try {
      return (db.prepare(sql).get(...args) as { n: number }).n;
    } finally {
      db.close();
    }
  };
  const storedActors = (id: string): number => count('SELECT count(*) AS n FROM apex_objects WHERE id = ?', id);
  /** A Follow of owl by `actorId`, signed with `keyId` and `privateKeyPem` (which may not match). */
  const post = (actorId: string, keyId: string, privateKeyPem: string): Promise<JsonResponse> => {
    const url = `${a.url}/inbox`;
    const body = JSON.stringify({ '@context': AS, id: `${actorId}#follows/${++seq}`, type: 'Follow', actor: actorId, object: owl });
    const headers: Record<string, string> = { 'content-type': 'application/activity+json' };
    Object.assign(headers, signRequest({ method: 'POST', url, headers, body, keyId, privateKeyPem }));
    return client.request('POST', url, body, headers);
  };
  const genuine = (actor: FakeActor): Promise<JsonResponse> => post(actor.id, actor.keyId, actor.privateKeyPem);

  before(async () => {
    cluster = await startInstances(['a'], {
      env: { HEARTH_FEDERATION_KEY_FETCH_RATE: String(KEY_FETCHES_PER_HOST) },
      extraHosts: { 'remote.hearth.test': '127.0.0.9', 'flood.hearth.test': '127.0.0.10' },
    });
    a = cluster.instances[0] as TestInstance;
    remote = await FakeRemote.start(cluster.ca, 'remote.hearth.test', '127.0.0.9');
    flood = await FakeRemote.start(cluster.ca, 'flood.hearth.test', '127.0.0.10');
    client = clusterClient(cluster);
    owl = await signUp(client, a.url, 'alice', 'owl', 'Owl');
  });
  after(async () => {
    await remote?.close();
    await flood?.close();
    await cluster?.stop();
  });

  it('fetches a keyId that answers 404 once, not once per request', async () => {
    const ghost = `${remote.origin}/users/ghost`;
    for (let i = 0; i < 4; i++) {
      const res = await post(ghost, `${ghost}#main-key`, strangerKey);
      assert.equal(res.status, 401, res.text);
      assert.equal(res.body.error, 'signature_unknown_key');
    }
    assert.equal(remote.getCount('/users/ghost'), 1);
  });

  it('keeps no actor whose signature never verified, and fetches it once for a stream of forgeries', async () => {
    const victim = remote.addActor('victim');
    for (let i = 0; i < 3; i++) {
      const res = await post(victim.id, victim.keyId, strangerKey);
      assert.equal(res.status, 401, res.text);
      assert.equal(res.body.error, 'signature_bad_signature');
    }
    assert.equal(remote.getCount('/users/victim'), 1, 'one fetch for three forged requests');
    assert.equal(storedActors(victim.id), 0, 'an actor whose signature never verified is not stored');
    const real = await genuine(victim);
    assert.equal(real.status, 202, real.text);
    assert.equal(remote.getCount('/users/victim'), 1, 'the actor fetched a moment ago is used, not fetched again');
    assert.equal(storedActors(victim.id), 1, 'stored once its signature verified');
  });

  it('limits key fetches per keyId host before fetching: 429 with Retry-After, nothing fetched', async () => {
    const statuses: number[] = [];
    let limited: JsonResponse | undefined;
    for (let i = 0; i < KEY_FETCHES_PER_HOST + 3; i++) {
      const actor = `${flood.origin}/users/nobody${i}`;
      const res = await post(actor, `${actor}#main-key`, strangerKey);
      statuses.push(res.status);
      if (res.status === 429) limited ??= res;
    }
    assert.deepEqual(statuses, [...Array<number>(KEY_FETCHES_PER_HOST).fill(401), 429, 429, 429]);
    assert.equal(flood.received.filter((r) => r.method === 'GET').length, KEY_FETCHES_PER_HOST);
    assert.equal(limited?.body.error, 'key_fetch_rate_limited');
    const retryAfter = Number(limited?.headers.get('retry-after'));
    assert.ok(retryAfter > 0 && retryAfter <= 60, `Retry-After ${limited?.headers.get('retry-after')}`);
    // Another host has its own budget.
    const other = remote.addActor('other');
    assert.equal((await genuine(other)).status, 202);
  });

  it('never stores a JSON-LD context that is not on the bundled list', async () => {
    remote.route((req, res) => {
      if (req.method !== 'GET' || req.url !== '/contexts/extra') return false;
      res.writeHead(200, { 'content-type': 'application/ld+json' }).end(JSON.stringify({ '@context': { hearthTestTerm: 'https://remote.hearth.test/ns#term' } }));
      return true;
    });
    const styled = remote.addActor('styled');
    styled.extraContext = `${remote.origin}/contexts/extra`;
    const res = await genuine(styled);
    assert.equal(res.status, 202, res.text);
    assert.ok(remote.getCount('/contexts/extra') >= 1, 'the context was loaded');
    assert.equal(count('SELECT count(*) AS n FROM apex_contexts'), 0, 'and not stored');
    assert.equal(storedActors(styled.id), 1);
  });
});
