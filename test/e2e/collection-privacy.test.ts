/**
 * What a stranger learns from a persona's collections: the outbox pages its
 * public activities with cursors that reveal nothing (not the store's row
 * order, not private activities, nothing comparable between personas), and
 * followers/following show a count and no members.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Agent } from 'undici';
import { TestClient } from '../helpers/http-client.js';
import { startLocalServer, type ServerProcess } from '../helpers/server-process.js';

const AP = { accept: 'application/activity+json' };

interface Page {
  id: string;
  type: string;
  next?: string;
  orderedItems?: Array<{ id: string; type: string }>;
  totalItems?: number;
  first?: string;
}

describe('collection privacy (outbox cursors, follower lists)', () => {
  let proc: ServerProcess;
  let base: string;
  let host: string;
  const stranger = new TestClient(new Agent());
  const owners = new Map<string, TestClient>();

  const signUp = async (username: string, handle: string): Promise<void> => {
    const client = new TestClient(new Agent());
    assert.equal((await client.post(`${base}/api/v1/accounts`, { username, password: `${username} long password` })).status, 201);
    assert.equal((await client.post(`${base}/api/v1/personas`, { handle, displayName: handle })).status, 201);
    owners.set(handle, client);
  };
  const rename = async (handle: string, times: number, from: number): Promise<void> => {
    for (let i = from; i < from + times; i++) {
      const res = await owners.get(handle)!.request('PATCH', `${base}/api/v1/personas/${handle}`, { displayName: `${handle} ${i}` });
      assert.equal(res.status, 200, res.text);
    }
  };
  /** A private activity in the persona's outbox (a Follow, addressed to its object only). */
  const follow = async (handle: string, target: string): Promise<void> => {
    const res = await owners.get(handle)!.post(`${base}/api/v1/personas/${handle}/follow`, { target: `${target}@${host}` });
    assert.equal(res.status, 200, res.text);
  };
  const outbox = (handle: string, page?: string): Promise<{ status: number; body: Page; text: string }> =>
    stranger.get<Page>(`${base}/u/${handle}/outbox${page === undefined ? '' : `?page=${page}`}`, AP);
  const cursorOf = (page: Page): string => {
    assert.ok(page.next, `a next page: ${JSON.stringify(page)}`);
    return new URL(page.next).searchParams.get('page') ?? '';
  };

  before(async () => {
    ({ proc, base, host } = await startLocalServer());
    await signUp('alphauser', 'alpha');
    await signUp('betauser', 'beta');
    await signUp('gammauser', 'gamma');
    // alpha: 5 public updates, a private Follow, 19 public updates; newest first the
    // Follow is the 20th row, where a cursor taken before filtering would point.
    await rename('alpha', 5, 1);
    await follow('alpha', 'gamma');
    await rename('alpha', 19, 6);
    // beta: a private Follow, then exactly one page of public updates.
    await follow('beta', 'gamma');
    await rename('beta', 20, 1);
  });
  after(async () => {
    proc?.kill('SIGTERM');
    await proc?.exited;
  });

  it('counts and pages public activities only, every one exactly once', async () => {
    const collection = await outbox('alpha');
    assert.equal(collection.status, 200, collection.text);
    assert.equal(collection.body.totalItems, 24, 'the private Follow is not counted');
    const first = await outbox('alpha', 'true');
    assert.equal(first.body.orderedItems?.length, 20);
    const second = await outbox('alpha', cursorOf(first.body));
    assert.equal(second.status, 200, second.text);
    const items = [...(first.body.orderedItems ?? []), ...(second.body.orderedItems ?? [])];
    for (const a of items) assert.equal(a.type, 'Update', 'only public activities are listed');
    assert.equal(new Set(items.map((a) => a.id)).size, 24, 'every public activity, none twice');
    assert.equal(second.body.next, undefined, 'no next page after the last visible item');
  });

  it('gives no next page when only private activities follow', async () => {
    const page = await outbox('beta', 'true');
    assert.equal(page.body.orderedItems?.length, 20);
    assert.equal(page.body.next, undefined, 'a next cursor would reveal that private activities exist');
    assert.equal((await outbox('beta')).body.totalItems, 20);
  });

  it('issues opaque cursors that cannot be compared or carried to another collection', async () => {
    const a1 = cursorOf((await outbox('alpha', 'true')).body);
    const a2 = cursorOf((await outbox('alpha', 'true')).body);
    assert.notEqual(a1, a2, 'the same position never gives the same cursor twice');
    for (const c of [a1, a2]) {
      assert.doesNotMatch(c, /^\d+$/, 'not a row number');
      assert.doesNotMatch(c, /^[0-9a-f]{24}$/i, 'not an ObjectId');
      assert.equal((await outbox('alpha', c)).status, 200, 'each cursor works');
    }
    assert.deepEqual((await outbox('alpha', a1)).body.orderedItems, (await outbox('alpha', a2)).body.orderedItems);
    const carried = await outbox('beta', a1);
    assert.equal(carried.status, 400, 'a cursor of alpha\'s outbox means nothing in beta\'s');
    assert.equal((carried.body as unknown as { error: string }).error, 'invalid_page');
    for (const forged of ['1', '99999', `${a1.slice(0, -2)}AA`, '../etc']) {
      assert.equal((await outbox('alpha', encodeURIComponent(forged))).status, 400, `forged cursor ${forged}`);
    }
  });

  it('shows followers and following as counts, with no pages and no members', async () => {
    for (const collection of ['followers', 'following']) {
      for (const handle of ['alpha', 'gamma']) {
        const summary = await stranger.get<Page>(`${base}/u/${handle}/${collection}`, AP);
        assert.equal(summary.status, 200, summary.text);
        assert.equal(summary.body.first, undefined, `${handle}/${collection} links no page`);
        assert.equal(summary.body.orderedItems, undefined);
        const page = await stranger.get<Page>(`${base}/u/${handle}/${collection}?page=true`, AP);
        assert.equal(page.status, 404, `${handle}/${collection}?page=true: ${page.text}`);
        assert.equal(page.body.next, undefined);
        assert.equal(page.body.orderedItems, undefined);
      }
    }
    assert.equal((await stranger.get<Page>(`${base}/u/gamma/followers`, AP)).body.totalItems, 2);
    assert.equal((await stranger.get<Page>(`${base}/u/alpha/following`, AP)).body.totalItems, 1);
  });
});
