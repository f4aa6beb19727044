/**
 * The inbox of a real instance (HTTPS, own host name) against a scripted
 * remote peer that sends what Mastodon sends: every forged, replayed,
 * oversized or misattributed request is refused with a 4xx and leaves
 * nothing behind; a genuine Mastodon-shaped follow is accepted, once.
 */
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { signRequest } from '../../federation/signatures/index.js';
import { FakeRemote, type FakeActor } from '../helpers/fake-remote.js';
import type { JsonResponse, TestClient } from '../helpers/http-client.js';
import { clusterClient, signUp, startInstances, type InstanceCluster, type TestInstance } from '../helpers/instances.js';
import { waitFor } from '../helpers/server-process.js';

const AS = 'https://www.w3.org/ns/activitystreams';

interface PostOptions {
  /** Changes the headers after signing (to forge). */
  tamper?: (headers: Record<string, string>) => void;
  /** Signs as this key instead of the actor's own. */
  signer?: FakeActor;
  now?: Date;
  rawBody?: string;
  unsigned?: boolean;
}

function countRows(instance: TestInstance, sql: string, ...args: unknown[]): number {
  const db = new Database(path.join(instance.dataDir, 'hearth.sqlite'), { readonly: true });
  try {
    return (db.prepare(sql).get(...args) as { n: number }).n;
  } finally {
    db.close();
  }
}

describe('inbox security and interoperability', () => {
  let cluster: InstanceCluster;
  let a: TestInstance;
  let remote: FakeRemote;
  let client: TestClient;
  let mallory: FakeActor;
  let eve: FakeActor;
  let owl: string;
  let seq = 0;

  const post = async (actor: FakeActor, activity: Record<string, unknown>, options: PostOptions = {}): Promise<JsonResponse> => {
    const url = `${a.url}/inbox`;
    const body = options.rawBody ?? JSON.stringify(activity);
    const headers: Record<string, string> = { 'content-type': 'application/activity+json' };
    if (!options.unsigned) {
      const signer = options.signer ?? actor;
      Object.assign(headers, signRequest({ method: 'POST', url, headers, body, keyId: signer.keyId, privateKeyPem: signer.privateKeyPem, ...(options.now ? { now: options.now } : {}) }));
    }
    options.tamper?.(headers);
    return client.request('POST', url, body, headers);
  };
  const follow = (actor: FakeActor, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
    '@context': AS,
    id: `${actor.id}#follows/${++seq}`,
    type: 'Follow',
    actor: actor.id,
    object: owl,
    ...extra,
  });
  const followerRows = (): number => countRows(a, "SELECT count(*) AS n FROM apex_stream_refs WHERE kind = 'collection' AND value = ?", `${owl}/followers`);

  before(async () => {
    cluster = await startInstances(['a'], { env: { HEARTH_FEDERATION_INBOUND_RATE: '40' }, extraHosts: { 'remote.hearth.test': '127.0.0.9' } });
    a = cluster.instances[0] as TestInstance;
    remote = await FakeRemote.start(cluster.ca, 'remote.hearth.test', '127.0.0.9');
    mallory = remote.addActor('mallory');
    eve = remote.addActor('eve');
    client = clusterClient(cluster);
    owl = await signUp(client, a.url, 'alice', 'owl', 'Owl');
  });
  after(async () => {
    await remote?.close();
    await cluster?.stop();
  });

  it('refuses an unsigned POST with 401', async () => {
    const res = await post(mallory, follow(mallory), { unsigned: true });
    assert.equal(res.status, 401);
    assert.equal(res.body.error, 'signature_missing_signature');
  });

  it('refuses a signature that does not cover the digest', async () => {
    const res = await post(mallory, follow(mallory), {
      tamper: (h) => {
        h.Signature = (h.Signature ?? '').replace('headers="(request-target) host date digest"', 'headers="(request-target) host date"');
      },
    });
    assert.equal(res.status, 401);
  });

  it('refuses a body that does not match its digest', async () => {
    const original = follow(mallory);
    const res = await post(mallory, original, { tamper: () => undefined, rawBody: JSON.stringify(original) });
    assert.equal(res.status, 202, 'the genuine request passes');
    const forged = await post(mallory, follow(mallory), {
      tamper: (h) => {
        h.Digest = 'SHA-256=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=';
      },
    });
    assert.equal(forged.status, 401);
    assert.equal(forged.body.error, 'signature_digest_mismatch');
  });

  it('refuses a date more than 12 hours old or an hour in the future', async () => {
    const stale = await post(mallory, follow(mallory), { now: new Date(Date.now() - 13 * 3600_000) });
    assert.equal(stale.status, 401);
    assert.equal(stale.body.error, 'signature_stale_date');
    const future = await post(mallory, follow(mallory), { now: new Date(Date.now() + 2 * 3600_000) });
    assert.equal(future.status, 401);
    assert.equal(future.body.error, 'signature_future_date');
  });

  it('refuses an activity signed by another actor\'s key, storing nothing', async () => {
    const before = followerRows();
    const res = await post(mallory, follow(mallory), { signer: eve });
    assert.equal(res.status, 401);
    assert.equal(res.body.error, 'signer_not_actor');
    assert.equal(followerRows(), before);
  });

  it('refuses Update and Delete of objects the sender does not own', async () => {
    const update = await post(mallory, { '@context': AS, id: `${mallory.id}#u/${++seq}`, type: 'Update', actor: mallory.id, object: { id: owl, type: 'Person', name: 'pwned' } });
    assert.equal(update.status, 403);
    const owlDoc = await client.get<{ name: string }>(owl, { accept: 'application/activity+json' });
    assert.equal(owlDoc.body.name, 'Owl', 'the local persona is untouched');
    const del = await post(mallory, { '@context': AS, id: `${mallory.id}#d/${++seq}`, type: 'Delete', actor: mallory.id, object: eve.id });
    assert.equal(del.status, 403);
  });

  it('accepts a Mastodon-shaped follow once, and its Accept passes the checks Mastodon makes', async () => {
    const activity = follow(eve);
    const first = await post(eve, activity);
    assert.equal(first.status, 202, first.text);
    const again = await post(eve, activity);
    assert.equal(again.status, 202);
    assert.equal(again.body.status, 'duplicate');
    const accepts = await waitFor(() => {
      const got = remote.deliveries('/inbox').filter((d) => d.activity.type === 'Accept' && d.activity.actor === owl);
      return got.length > 0 ? got : undefined;
    }, 10_000, 'the Accept to reach the remote shared inbox');
    // The positive signal before counting: a later follow's Accept has arrived, so an Accept for the
    // duplicate (queued before it, to the same inbox) would have been sent by now.
    const wren = remote.addActor('wren');
    const later = follow(wren);
    assert.equal((await post(wren, later)).status, 202);
    await waitFor(() => remote.deliveries('/inbox').some((d) => d.activity.type === 'Accept' && JSON.stringify(d.activity.object).includes(String(later.id))), 10_000, 'the Accept of a later follow');
    const acceptsFor = remote.deliveries('/inbox').filter((d) => d.activity.type === 'Accept' && JSON.stringify(d.activity.object).includes(String(activity.id)));
    assert.equal(acceptsFor.length, 1, 'one Accept for one follow delivered twice');
    const accept = accepts[0]!;
    const sig = String(accept.headers.signature ?? '');
    assert.match(sig, /keyId="[^"]*\/u\/owl#main-key"/);
    assert.match(sig, /headers="\(request-target\) host date digest"/);
    assert.match(String(accept.headers.digest ?? ''), /^SHA-256=/);
    assert.equal(accept.activity.actor, owl);
  });

  it('refetches a rotated key once, and never again within the refresh window', async () => {
    const actorPath = new URL(mallory.id).pathname;
    remote.rotateKey(mallory);
    const before = remote.getCount(actorPath);
    const rotated = await post(mallory, follow(mallory));
    assert.equal(rotated.status, 202, `a request signed with the new key passes after one refetch: ${rotated.text}`);
    assert.equal(remote.getCount(actorPath), before + 1);
    const forged = await post(mallory, follow(mallory), { signer: { ...mallory, privateKeyPem: eve.privateKeyPem } });
    assert.equal(forged.status, 401);
    assert.equal(remote.getCount(actorPath), before + 1, 'no second refetch inside the window');
  });

  it('signs what it sends so that the http-signature library (what apex and others use) verifies it', async () => {
    const accept = remote.deliveries('/inbox').find((d) => d.activity.type === 'Accept');
    assert.ok(accept, 'an Accept was delivered earlier');
    const owlDoc = await client.get<{ publicKey: { publicKeyPem: string } }>(owl, { accept: 'application/activity+json' });
    const httpSignature = createRequire(import.meta.url)('http-signature') as {
      parseRequest(req: unknown): unknown;
      verifySignature(parsed: unknown, pem: string): boolean;
    };
    const parsed = httpSignature.parseRequest({ method: 'POST', url: '/inbox', httpVersion: '1.1', headers: accept.headers });
    assert.equal(httpSignature.verifySignature(parsed, owlDoc.body.publicKey.publicKeyPem), true);
    assert.equal(httpSignature.verifySignature(parsed, eve.publicKeyPem), false, 'and not with another key');
  });

  it('accepts a follow from a Fedify-shaped actor (data-integrity, DID and multikey contexts)', async () => {
    const bob = remote.addActor('fedibob', 'fedify');
    const res = await post(bob, follow(bob));
    assert.equal(res.status, 202, res.text);
    await waitFor(() => remote.deliveries('/inbox').some((d) => d.activity.type === 'Accept' && JSON.stringify(d.activity).includes('fedibob')), 10_000, 'the Accept for the Fedify actor');
  });

  it('refuses, with a 4xx and never a 500, documents whose JSON-LD context cannot be had', async () => {
    const odd = remote.addActor('odd');
    odd.extraContext = `${remote.origin}/contexts/missing`;
    const res = await post(odd, follow(odd));
    assert.equal(res.status, 401, `the key of an actor whose document cannot be processed is unknown: ${res.text}`);
    const update = await post(eve, {
      '@context': [AS, `${remote.origin}/contexts/missing`],
      id: `${eve.id}#updates/${++seq}`,
      type: 'Update',
      actor: eve.id,
      object: { id: eve.id, type: 'Person', name: 'Eve again' },
    });
    assert.equal(update.status, 422, update.text);
    assert.equal(update.body.error, 'context_unavailable');
    assert.equal((await client.get(`${a.url}/healthz`)).status, 200);
  });

  it('accepts and drops activities typed as Object.prototype keys (valueOf, constructor, toString, __proto__), never a 500', async () => {
    for (const type of ['valueOf', 'constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      const res = await post(eve, { '@context': AS, id: `${eve.id}#odd/${++seq}`, type, actor: eve.id, object: owl });
      assert.equal(res.status, 202, `${type}: ${res.status} ${res.text}`);
    }
  });

  it('answers 413 to an inbox body over 256 KiB', async () => {
    const big = follow(mallory, { padding: 'x'.repeat(300 * 1024) });
    const res = await post(mallory, big);
    assert.equal(res.status, 413);
  });

  it('rate-limits one remote host without a 500', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 45; i++) statuses.push((await post(mallory, follow(mallory), { unsigned: false })).status);
    assert.ok(statuses.includes(429), `expected a 429 among ${statuses.join(',')}`);
    assert.ok(statuses.every((s) => s < 500));
  });
});
