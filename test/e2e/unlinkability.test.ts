/**
 * One account, two personas: nothing either persona exposes (actor document,
 * WebFinger, collections, outbox, public API views, response headers) may
 * carry a value that links it to the other. The rule tested: any token the
 * two share must also be shared with a persona of an unrelated account,
 * i.e. it is instance-wide, not account-wide.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Agent } from 'undici';
import { TestClient } from '../helpers/http-client.js';
import { freePort, startServerProcess, tempDir, type ServerProcess } from '../helpers/server-process.js';

const AP = { accept: 'application/activity+json' };

/** Every identifier-like token in a document or header set. */
function tokens(value: unknown, out = new Set<string>()): Set<string> {
  if (typeof value === 'string') {
    // A PEM key is one value: its base64 lines share structure (the exponent's
    // "IDAQAB" ending) between any two keys, which links nothing.
    if (value.includes('-----BEGIN')) {
      out.add(value);
      return out;
    }
    for (const t of value.match(/[A-Za-z0-9+/=_-]{6,}/g) ?? []) out.add(t);
  } else if (Array.isArray(value)) {
    for (const v of value) tokens(v, out);
  } else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      out.add(k);
      tokens(v, out);
    }
  }
  return out;
}

describe('unlinkability of personas of one account', () => {
  let proc: ServerProcess;
  let base: string;
  const owner = new TestClient(new Agent());
  const stranger = new TestClient(new Agent());
  const other = new TestClient(new Agent());

  before(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    proc = startServerProcess({
      env: { HEARTH_PORT: String(port), HEARTH_HOST: '127.0.0.1', HEARTH_PUBLIC_URL: `http://localhost:${port}`, HEARTH_DATA_DIR: tempDir(), HEARTH_MEDIA_WORKERS: '1' },
    });
    await proc.waitForLog((l) => l.msg === 'listening', 30_000);
    assert.equal((await owner.post(`${base}/api/v1/accounts`, { username: 'zqxprivatelogin', password: 'a long enough password' })).status, 201);
    for (const handle of ['nightowl', 'daylark']) {
      const res = await owner.post(`${base}/api/v1/personas`, { handle, displayName: handle, summary: 'same words' });
      assert.equal(res.status, 201, res.text);
      const patch = await owner.request('PATCH', `${base}/api/v1/personas/${handle}`, { discoverable: true });
      assert.equal(patch.status, 200, patch.text);
    }
    assert.equal((await other.post(`${base}/api/v1/accounts`, { username: 'someoneelse', password: 'another long password' })).status, 201);
    assert.equal((await other.post(`${base}/api/v1/personas`, { handle: 'heron', displayName: 'heron', summary: 'same words' })).status, 201);
    assert.equal((await other.request('PATCH', `${base}/api/v1/personas/heron`, { discoverable: true })).status, 200);
  });
  after(async () => {
    proc?.kill('SIGTERM');
    await proc?.exited;
  });

  /** Everything a stranger can see of one persona, with the response headers. */
  async function exposure(handle: string): Promise<{ docs: unknown[]; tokens: Set<string> }> {
    const actorUrl = `http://localhost:${new URL(base).port}/u/${handle}`;
    const local = (url: string): string => url.replace(`http://localhost:${new URL(base).port}`, base);
    const docs: unknown[] = [];
    const headers: unknown[] = [];
    const get = async (url: string, h: Record<string, string> = AP): Promise<unknown> => {
      const res = await stranger.get(local(url), h);
      assert.equal(res.status, 200, `${url}: ${res.text}`);
      assert.equal(res.headers.get('set-cookie'), null, 'no cookie handed to a stranger');
      const hs: Record<string, string> = {};
      res.headers.forEach((v, k) => {
        if (k !== 'x-request-id' && k !== 'date' && k !== 'content-length') hs[k] = v;
      });
      headers.push(hs);
      docs.push(res.body);
      return res.body;
    };
    const actor = (await get(actorUrl)) as Record<string, string>;
    assert.equal(actor.published, undefined, 'no creation time that personas created together would share');
    await get(`${base}/.well-known/webfinger?resource=${encodeURIComponent(`acct:${handle}@localhost:${new URL(base).port}`)}`, {});
    for (const c of ['outbox', 'followers', 'following']) {
      const col = (await get(actor[c] ?? '')) as { first?: string };
      if (col.first) await get(col.first);
    }
    const directory = (await stranger.get<{ personas?: Array<{ handle: string }> } | Array<{ handle: string }>>(`${base}/api/v1/directory`)).body;
    const list = Array.isArray(directory) ? directory : (directory.personas ?? []);
    const entry = list.find((p) => p.handle === handle);
    assert.ok(entry, `${handle} listed in the directory once discoverable`);
    docs.push(entry);
    const search = await stranger.get(`${base}/api/v1/search?q=${handle}`);
    assert.equal(search.status, 200);
    docs.push(search.body);
    const all = tokens([...docs, ...headers]);
    return { docs, tokens: all };
  }

  it('shares nothing between two personas of one account beyond what any persona shares', async () => {
    const owl = await exposure('nightowl');
    const lark = await exposure('daylark');
    const heron = await exposure('heron');
    const shared = [...owl.tokens].filter((t) => lark.tokens.has(t));
    assert.ok(shared.includes('publicKeyPem') && shared.includes('sharedInbox'), 'the comparison sees the documents (instance-wide values are shared)');
    const linking = shared.filter((t) => !heron.tokens.has(t));
    assert.deepEqual(linking, [], `values linking the two personas: ${linking.join(', ')}`);
    const everything = JSON.stringify([owl.docs, lark.docs]);
    assert.ok(!everything.includes('zqxprivatelogin'), 'the login username never appears');
  });

  it('gives each persona its own key pair', async () => {
    const keyOf = async (handle: string): Promise<string> => {
      const res = await stranger.get<{ publicKey: { publicKeyPem: string } }>(`${base}/u/${handle}`, AP);
      return res.body.publicKey.publicKeyPem;
    };
    const [a, b, c] = await Promise.all([keyOf('nightowl'), keyOf('daylark'), keyOf('heron')]);
    assert.notEqual(a, b);
    assert.notEqual(a, c);
    assert.match(a, /BEGIN PUBLIC KEY/);
  });
});
