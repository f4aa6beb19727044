/**
 * Two real instances as separate processes, each under its own host name with
 * real HTTPS (a CA generated for this run): personas follow, update, unfollow
 * and block across them, and a deleted persona disappears from the other side.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { clusterAgent, TestClient } from '../helpers/http-client.js';
import { clusterClient, queryStore, signUp, startInstances, type InstanceCluster, type TestInstance } from '../helpers/instances.js';
import { waitFor } from '../helpers/server-process.js';

const AP = { accept: 'application/activity+json' };

interface Collection {
  totalItems?: number;
  first?: string;
  orderedItems?: string[];
}

/**
 * What anyone sees of a persona's followers or following: the count only.
 * Members are not listed publicly (a social graph can out people); the
 * owner sees them in the export.
 */
async function publicCount(client: TestClient, url: string): Promise<number> {
  const res = await client.get<Collection>(url, AP);
  assert.equal(res.status, 200, `${url}: ${res.text}`);
  assert.equal(res.body.first, undefined, 'no page of members is linked');
  const page = await client.get<Collection>(`${url}?page=true`, AP);
  assert.equal(page.status, 404, 'and none is served');
  assert.equal(page.body.orderedItems, undefined, 'no members listed publicly');
  return res.body.totalItems ?? 0;
}

/** The owner's view of a persona's relationships (its export). */
async function relationships(client: TestClient, base: string, handle: string): Promise<{ followers: string[]; following: string[] }> {
  const res = await client.get<{ followers: string[]; following: string[] }>(`${base}/api/v1/personas/${handle}/export`);
  assert.equal(res.status, 200, res.text);
  return res.body;
}

/** Reads an instance's database directly, read-only: what it has cached of a remote actor. */
function cachedActor(instance: TestInstance, actorId: string): Record<string, unknown> | undefined {
  const row = queryStore<{ doc: string }>(instance, 'SELECT doc FROM apex_objects WHERE id = ?', actorId)[0];
  return row ? (JSON.parse(row.doc) as Record<string, unknown>) : undefined;
}

/** Whether an instance still stores an activity (read-only look at its database). */
function storedActivity(instance: TestInstance, activityId: string): boolean {
  return queryStore(instance, 'SELECT 1 FROM apex_streams WHERE id = ?', activityId).length > 0;
}

describe('federation between two instances over HTTPS', () => {
  let cluster: InstanceCluster;
  let a: TestInstance;
  let b: TestInstance;
  let onA: TestClient;
  let onB: TestClient;
  let owl: string;
  let fox: string;

  before(async () => {
    cluster = await startInstances(['a', 'b']);
    [a, b] = cluster.instances as [TestInstance, TestInstance];
    const agent = clusterAgent(cluster.ca.caCertFile, cluster.hosts);
    onA = new TestClient(agent);
    onB = new TestClient(agent);
    owl = await signUp(onA, a.url, 'alice', 'owl');
    fox = await signUp(onB, b.url, 'bob', 'fox');
  });
  after(async () => {
    await cluster?.stop();
  });

  it('follows across instances: B follows A by handle@host, A accepts, both collections show it', async () => {
    const res = await onB.post(`${b.url}/api/v1/personas/fox/follow`, { target: `owl@${a.host}` });
    assert.equal(res.status, 200, res.text);
    assert.equal((res.body as { actorId: string }).actorId, owl);
    await waitFor(async () => (await relationships(onA, a.url, 'owl')).followers.includes(fox), 10_000, 'A to list fox as a follower');
    await waitFor(async () => (await relationships(onB, b.url, 'fox')).following.includes(owl), 10_000, 'B to list owl as followed (Accept delivered)');
    assert.equal(await publicCount(onB, `${owl}/followers`), 1, 'the public count, seen from anywhere');
    assert.equal(await publicCount(onA, `${fox}/following`), 1);
  });

  it('delivers profile updates: B\'s cached copy of A\'s persona changes', async () => {
    const res = await onA.request('PATCH', `${a.url}/api/v1/personas/owl`, { displayName: 'Night Owl' });
    assert.equal(res.status, 200, res.text);
    await waitFor(() => {
      const cached = cachedActor(b, owl);
      const name = cached?.name;
      return Array.isArray(name) && name[0] === 'Night Owl';
    }, 10_000, 'B to receive Update(Person)');
  });

  it('unfollows: Undo(Follow) removes the follower on A', async () => {
    const res = await onB.post(`${b.url}/api/v1/personas/fox/unfollow`, { target: owl });
    assert.equal(res.status, 200, res.text);
    await waitFor(async () => !(await relationships(onA, a.url, 'owl')).followers.includes(fox), 10_000, 'A to drop the follower');
    assert.ok(!(await relationships(onB, b.url, 'fox')).following.includes(owl));
    assert.equal(await publicCount(onB, `${owl}/followers`), 0);
    // Follow again for the deletion test below.
    assert.equal((await onB.post(`${b.url}/api/v1/personas/fox/follow`, { target: owl })).status, 200);
    await waitFor(async () => (await relationships(onA, a.url, 'owl')).followers.includes(fox), 10_000, 'the new follow to arrive');
    await waitFor(async () => (await relationships(onB, b.url, 'fox')).following.includes(owl), 10_000, 'the new Accept to arrive');
  });

  it('lets a persona that approves followers decide: requests wait, approve sends Accept, reject sends Reject', async () => {
    const lark = (await onA.post<{ actorId: string }>(`${a.url}/api/v1/personas`, { handle: 'lark', displayName: 'Lark' })).body.actorId;
    assert.equal((await onA.request('PATCH', `${a.url}/api/v1/personas/lark`, { approveFollowers: true })).status, 200);
    const larkDoc = await onB.get<{ manuallyApprovesFollowers: boolean }>(lark, AP);
    assert.equal(larkDoc.body.manuallyApprovesFollowers, true);
    assert.equal((await onB.post(`${b.url}/api/v1/personas/fox/follow`, { target: lark })).status, 200);
    const pending = await waitFor(async () => {
      const r = await onA.get<{ requests: Array<{ id: string; actor: string }> }>(`${a.url}/api/v1/personas/lark/follow-requests`);
      return r.body.requests?.length === 1 ? r.body.requests : undefined;
    }, 10_000, 'the follow request to wait for approval');
    assert.equal(pending[0]?.actor, fox);
    assert.ok(!(await relationships(onA, a.url, 'lark')).followers.includes(fox), 'not a follower before approval');
    assert.equal((await onA.post(`${a.url}/api/v1/personas/lark/follow-requests/approve`, { id: pending[0]?.id })).status, 200);
    await waitFor(async () => (await relationships(onB, b.url, 'fox')).following.includes(lark), 10_000, 'the Accept to reach B');
    assert.ok((await relationships(onA, a.url, 'lark')).followers.includes(fox));
    const again = await onA.post(`${a.url}/api/v1/personas/lark/follow-requests/approve`, { id: pending[0]?.id });
    assert.equal(again.status, 404, 'a decided request is gone');

    // A second persona on B asks and is rejected.
    assert.equal((await onB.post(`${b.url}/api/v1/personas`, { handle: 'vole', displayName: 'Vole' })).status, 201);
    const vole = `${b.url}/u/vole`;
    const asked = await onB.post<{ followId: string }>(`${b.url}/api/v1/personas/vole/follow`, { target: lark });
    assert.equal(asked.status, 200, asked.text);
    const followId = asked.body.followId;
    assert.ok(storedActivity(b, followId), 'B keeps its pending Follow until A answers');
    const second = await waitFor(async () => {
      const r = await onA.get<{ requests: Array<{ id: string; actor: string }> }>(`${a.url}/api/v1/personas/lark/follow-requests`);
      return r.body.requests?.find((q) => q.actor === vole);
    }, 10_000, 'the second request');
    assert.equal(second.id, followId);
    assert.equal((await onA.post(`${a.url}/api/v1/personas/lark/follow-requests/reject`, { id: second.id })).status, 200);
    // Only a Reject reaching B's inbox removes B's pending Follow (nothing else on B touches it).
    await waitFor(() => !storedActivity(b, followId), 10_000, 'the Reject to reach B and drop its pending Follow');
    assert.ok(!(await relationships(onA, a.url, 'lark')).followers.includes(vole));
    assert.ok(!(await relationships(onB, b.url, 'vole')).following.includes(lark));
    const unfollow = await onB.post(`${b.url}/api/v1/personas/vole/unfollow`, { target: lark });
    assert.equal(unfollow.status, 404, `nothing left to undo on B: ${unfollow.text}`);
  });

  it('blocks across instances: the block ends the follow on both sides', async () => {
    const lark = `${a.url}/u/lark`;
    assert.ok((await relationships(onA, a.url, 'lark')).followers.includes(fox), 'fox follows lark from the previous test');
    assert.equal((await onA.post(`${a.url}/api/v1/personas/lark/block`, { target: fox })).status, 200);
    assert.ok(!(await relationships(onA, a.url, 'lark')).followers.includes(fox), 'A drops the follower at once');
    await waitFor(async () => !(await relationships(onB, b.url, 'fox')).following.includes(lark), 10_000, 'B to drop the follow after the Block');
  });

  it('reports across instances as the instance actor, never naming the reporting persona', async () => {
    const res = await onB.post<{ id: string; forwarded: boolean }>(`${b.url}/api/v1/reports`, { target: owl, comment: 'testing reports', forward: true });
    assert.equal(res.status, 202, res.text);
    assert.equal(res.body.forwarded, true);
    // alice, the first account on A, is its administrator: the Flag is in A's queue.
    const report = await waitFor(async () => {
      const queue = await onA.get<{ reports: Array<{ source: string; reporter: string; target: { kind: string; label: string }; comment: string }> }>(`${a.url}/api/v1/admin/reports`);
      return queue.body.reports?.find((r) => r.source === 'remote');
    }, 10_000, 'A to queue the report');
    assert.equal(report.reporter, `${b.url}/actor`);
    assert.deepEqual(report.target, { ...report.target, kind: 'persona', label: '@owl' });
    assert.equal(report.comment, 'testing reports');
    assert.ok(!JSON.stringify(report).includes('fox'));
  });

  it('deletes for real: B purges its copy and the follow, and A\'s receipt shows B acknowledged', async () => {
    const wrong = await onA.request('DELETE', `${a.url}/api/v1/personas/owl`, { password: 'not the password' });
    assert.equal(wrong.status, 403);
    assert.equal((await onA.get(owl, AP)).status, 200, 'nothing deleted on a wrong password');

    const res = await onA.request<{ receipts: Array<{ handle: string; receiptId: string }>; notice: string }>('DELETE', `${a.url}/api/v1/personas/owl`, {
      password: 'alice has a long password',
    });
    assert.equal(res.status, 200, res.text);
    assert.match(res.body.notice, /copies/i);
    const receiptId = res.body.receipts[0]?.receiptId;
    assert.ok(receiptId);

    const gone = await onA.get<{ type: string }>(owl, AP);
    assert.equal(gone.status, 410);
    assert.equal(gone.body.type, 'Tombstone');
    assert.equal((await onA.get(`${a.url}/.well-known/webfinger?resource=${encodeURIComponent(`acct:owl@${a.host}`)}`)).status, 410);

    const receipt = await waitFor(async () => {
      const r = await onA.get<{ instances: Array<{ host: string; state: string; status?: number }> }>(`${a.url}/api/v1/deletions/${receiptId}`);
      const entry = r.body.instances?.find((i) => i.host === b.host);
      return entry?.state === 'acknowledged' ? entry : undefined;
    }, 15_000, 'B to acknowledge the Delete');
    assert.ok(receipt.status !== undefined && receipt.status >= 200 && receipt.status < 300, JSON.stringify(receipt));

    assert.equal(cachedActor(b, owl), undefined, 'B no longer holds a copy of the deleted persona');
    assert.ok(!(await relationships(onB, b.url, 'fox')).following.includes(owl), 'the follow is gone on B');
    assert.equal(await publicCount(onB, `${fox}/following`), 0);

    // The receipt keeps working for whoever holds its id, with no session at all.
    const anonymous = clusterClient(cluster);
    assert.equal((await anonymous.get(`${a.url}/api/v1/deletions/${receiptId}`)).status, 200);
  });
});
