/**
 * Instance moderation across three real instances (separate processes,
 * own host names, real HTTPS) and a scripted remote server: a suspend of C
 * bites on A at once (C's follows and cached actors gone within a second,
 * B's untouched), federation is refused both ways, the block holds however
 * the domain is spelt, every door is shut to a suspended server, the limit
 * level makes follows wait for approval, and a report flows from a user to
 * the queue and is resolved with an action the audit log shows.
 *
 * Live rooms: personas of B and C listen in a room on A through cascade
 * links (signaling clients on their own instances); the suspend of C closes
 * C's link within a second while B's listener stays, and C's next link
 * request is refused. Once B is limited, A's host cannot invite B's
 * persona on stage.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { signRequest } from '../../federation/signatures/index.js';
import { FakeRemote, type FakeActor } from '../helpers/fake-remote.js';
import { clusterAgent, TestClient } from '../helpers/http-client.js';
import { queryStore, signUp, startInstances, type InstanceCluster, type TestInstance } from '../helpers/instances.js';
import { waitFor } from '../helpers/server-process.js';
import { SignalClient } from '../helpers/signal-client.js';

const AS = 'https://www.w3.org/ns/activitystreams';

type Listener = { id: string; handle: string | null };
const audienceIds = (room: Record<string, unknown>): string[] => (room.audience as Listener[]).map((p) => p.id);

const cached = (instance: TestInstance, id: string): boolean => queryStore(instance, 'SELECT id FROM apex_objects WHERE id = ?', id).length > 0;

async function relationships(client: TestClient, base: string, handle: string): Promise<{ followers: string[]; following: string[] }> {
  const res = await client.get<{ followers: string[]; following: string[] }>(`${base}/api/v1/personas/${handle}/export`);
  assert.equal(res.status, 200, res.text);
  return res.body;
}

describe('moderation across instances over HTTPS', () => {
  let cluster: InstanceCluster;
  let a: TestInstance;
  let b: TestInstance;
  let c: TestInstance;
  let remote: FakeRemote;
  let mallory: FakeActor;
  let agent: ReturnType<typeof clusterAgent>;
  let alice: TestClient;
  let dora: TestClient;
  let onB: TestClient;
  let onC: TestClient;
  let owl: string;
  let fox: string;
  let cat: string;
  let tls: { ca: string; ips: Record<string, string> };
  let host: SignalClient | undefined;
  let foxSocket: SignalClient | undefined;
  let catSocket: SignalClient | undefined;
  const signal = (instance: TestInstance, client: TestClient): Promise<SignalClient> =>
    SignalClient.connect(instance.url, client.cookieHeader(), {}, { ca: tls.ca, ip: tls.ips[new URL(instance.url).hostname] ?? '' });

  before(async () => {
    cluster = await startInstances(['a', 'b', 'c'], { env: { HEARTH_FOLLOW_PER_ACCOUNT: '6' }, extraHosts: { 'evil.hearth.test': '127.0.0.9' } });
    [a, b, c] = cluster.instances as [TestInstance, TestInstance, TestInstance];
    remote = await FakeRemote.start(cluster.ca, 'evil.hearth.test', '127.0.0.9');
    mallory = remote.addActor('mallory');
    agent = clusterAgent(cluster.ca.caCertFile, cluster.hosts);
    tls = { ca: cluster.caPem, ips: cluster.hosts };
    alice = new TestClient(agent);
    dora = new TestClient(agent);
    onB = new TestClient(agent);
    onC = new TestClient(agent);
    owl = await signUp(alice, a.url, 'alice', 'owl');
    await signUp(dora, a.url, 'dora', 'dove');
    fox = await signUp(onB, b.url, 'bob', 'fox');
    cat = await signUp(onC, c.url, 'carol', 'cat');
  });
  after(async () => {
    for (const s of [host, foxSocket, catSocket]) s?.close();
    await remote?.close();
    await cluster?.stop();
  });

  it('refuses to block this instance\'s own domain, a parent of it, or an IP address', async () => {
    for (const domain of ['a.hearth.test', 'A.Hearth.Test.', 'hearth.test', '127.0.0.4']) {
      const res = await alice.post<{ error: string }>(`${a.url}/api/v1/admin/domain-blocks`, { domain, level: 'suspend' });
      assert.equal(res.status, 422, `${domain}: ${res.text}`);
    }
    const notStaff = await dora.post(`${a.url}/api/v1/admin/domain-blocks`, { domain: 'c.hearth.test', level: 'suspend' });
    assert.equal(notStaff.status, 403);
  });

  it('a suspend of C bites on A within a second: C\'s link to a live room closed and its follows and cached actors gone, B\'s kept; C\'s next link refused', { timeout: 90_000 }, async () => {
    assert.equal((await onC.post(`${c.url}/api/v1/personas/cat/follow`, { target: `owl@${a.host}` })).status, 200);
    assert.equal((await onB.post(`${b.url}/api/v1/personas/fox/follow`, { target: `owl@${a.host}` })).status, 200);
    assert.equal((await alice.post(`${a.url}/api/v1/personas/owl/follow`, { target: `cat@${c.host}` })).status, 200);
    await waitFor(async () => {
      const r = await relationships(alice, a.url, 'owl');
      return r.followers.includes(cat) && r.followers.includes(fox) && r.following.includes(cat);
    }, 15_000, 'the follows both ways');
    assert.ok(cached(a, cat));

    // A live room on A, with B's fox and C's cat listening through cascade links from their own instances.
    const created = await alice.post<{ id: string; url: string }>(`${a.url}/api/v1/rooms`, { title: 'Across', visibility: 'public' });
    assert.equal(created.status, 201, created.text);
    const roomUrl = created.body.url;
    for (const [client, instance] of [[onB, b], [onC, c]] as const) {
      await waitFor(async () => (await client.get<{ rooms: Array<{ id: string }> }>(`${instance.url}/api/v1/hallway`)).body.rooms?.some((r) => r.id === roomUrl), 10_000, `the room in ${instance.host}'s hallway`);
    }
    host = await signal(a, alice);
    await host.ok('join', { roomId: created.body.id });
    foxSocket = await signal(b, onB);
    await foxSocket.ok('join', { roomId: roomUrl });
    catSocket = await signal(c, onC);
    await catSocket.ok('join', { roomId: roomUrl });
    await host.room((r) => audienceIds(r).includes(fox) && audienceIds(r).includes(cat), 5_000);

    const started = Date.now();
    const block = await alice.post<{ domain: string; level: string }>(`${a.url}/api/v1/admin/domain-blocks`, { domain: ' C.HEARTH.TEST. ', level: 'suspend', reason: 'harassment' });
    assert.equal(block.status, 201, block.text);
    assert.equal(block.body.domain, 'c.hearth.test', 'one form whatever the spelling');
    await waitFor(async () => {
      const r = await relationships(alice, a.url, 'owl');
      return !r.followers.includes(cat) && !r.following.includes(cat) && !cached(a, cat);
    }, 1_000, 'C gone from A within 1 s of the block');
    assert.ok(Date.now() - started < 1_500);
    // C's link closed: cat is out of A's room and told so on C; fox (B) still listens.
    const left = await catSocket.event('left', () => true, Math.max(1, 1_000 - (Date.now() - started)));
    assert.equal(left.data.roomId, roomUrl);
    const remaining = await host.room((r) => !audienceIds(r).includes(cat), Math.max(1, 1_000 - (Date.now() - started)));
    assert.ok(Date.now() - started < 1_500, `C's link closed ${Date.now() - started} ms after the block was asked for`);
    assert.ok(audienceIds(remaining).includes(fox), 'B\'s listener stays in the room');
    const roomId = created.body.id;
    const closedLinks = await waitFor(() => {
      const lines = a.proc.lines.filter((l) => l.msg === 'cascade link closed' && l.roomId === roomId);
      return lines.length > 0 ? lines : undefined;
    }, 1_000, 'A to close C\'s link');
    assert.deepEqual(closedLinks.map((l) => [new URL(String(l.origin)).hostname, l.reason]), [['c.hearth.test', 'blocked']], 'C\'s link closed as blocked, B\'s left open');
    assert.ok(!foxSocket.events.some((e) => e.event === 'left'), 'B\'s listener was not told to leave');
    assert.ok((await relationships(alice, a.url, 'owl')).followers.includes(fox), 'B untouched');
    // C's next link request is refused by A (403 instance_blocked), so cat cannot join again.
    const rejoin = await catSocket.request('join', { roomId: roomUrl }, 10_000);
    assert.ok(!rejoin.ok, 'cat cannot rejoin');
    assert.equal(rejoin.error.code, 'remote_refused');
    assert.match(rejoin.error.message, /instance_blocked/);
    assert.ok(!audienceIds(await host.room(() => true)).includes(cat));
    const again = await alice.post(`${a.url}/api/v1/admin/domain-blocks`, { domain: 'c.hearth.test', level: 'limit' });
    assert.equal(again.status, 409);
  });

  it('refuses federation both ways while C is suspended', { timeout: 60_000 }, async () => {
    // A -> C: nothing fetched, nothing sent.
    const follow = await alice.post<{ error: string }>(`${a.url}/api/v1/personas/owl/follow`, { target: `cat@${c.host}` });
    assert.deepEqual([follow.status, follow.body.error], [403, 'instance_blocked']);
    const byUrl = await alice.post(`${a.url}/api/v1/personas/owl/follow`, { target: cat.replace('c.hearth.test', 'C.Hearth.Test') });
    assert.equal(byUrl.status, 403, 'an actor URL in another spelling');
    const since = new Date().toISOString();
    assert.equal((await alice.request('PATCH', `${a.url}/api/v1/personas/owl`, { displayName: 'Owl, updated' })).status, 200);
    await waitFor(() => queryStore<{ doc: string }>(b, 'SELECT doc FROM apex_objects WHERE id = ?', owl)[0]?.doc.includes('Owl, updated') || undefined, 10_000, 'B to get the update');
    const toC = queryStore(a, 'SELECT id FROM delivery_jobs WHERE host = ? AND created_at >= ?', c.host, Date.parse(since));
    assert.deepEqual(toC, [], 'no delivery to C queued after the block');

    // C -> A: C still has owl cached and tries to follow again; A answers 403.
    const fromC = await onC.post<{ followId: string }>(`${c.url}/api/v1/personas/cat/follow`, { target: owl });
    assert.equal(fromC.status, 200, fromC.text);
    const job = await waitFor(() => queryStore<{ state: string; last_status: number | null }>(c, 'SELECT state, last_status FROM delivery_jobs WHERE activity_id = ? AND host = ?', fromC.body.followId, a.host)
      .find((j) => j.last_status !== null), 10_000, 'C\'s delivery to be answered');
    assert.deepEqual(job, { state: 'failed', last_status: 403 });
    assert.ok(!(await relationships(alice, a.url, 'owl')).followers.includes(cat));
    // A signed fetch from C (its instance actor) of A's persona is refused too.
    const cFetch = await onC.post(`${c.url}/api/v1/personas/cat/follow`, { target: `dove@${a.host}` });
    assert.equal(cFetch.status, 502, 'C cannot fetch A\'s actors: A refuses its signed fetch');
  });

  it('shuts every door to a suspended server, before any signature work', { timeout: 60_000 }, async () => {
    const blocked = await alice.post(`${a.url}/api/v1/admin/domain-blocks`, { domain: 'EVIL.hearth.test', level: 'suspend' });
    assert.equal(blocked.status, 201);
    const actorFetches = remote.getCount(new URL(mallory.id).pathname);
    const signed = (method: string, url: string, body?: string): Record<string, string> => signRequest({
      method, url, headers: body ? { 'content-type': 'application/activity+json' } : {}, ...(body ? { body } : {}), keyId: mallory.keyId, privateKeyPem: mallory.privateKeyPem,
    });
    const activity = JSON.stringify({ '@context': AS, id: `${mallory.id}#f1`, type: 'Follow', actor: mallory.id, object: owl });
    for (const inbox of [`${a.url}/inbox`, `${owl}/inbox`]) {
      const res = await alice.request<{ error: string }>('POST', inbox, activity, { 'content-type': 'application/activity+json', ...signed('POST', inbox, activity) });
      assert.deepEqual([res.status, res.body.error], [403, 'instance_blocked'], inbox);
      const forged = await alice.request('POST', inbox, activity, { 'content-type': 'application/activity+json', signature: `keyId="${mallory.keyId}",algorithm="rsa-sha256",headers="date",signature="AAAA"`, date: new Date().toUTCString() });
      assert.equal(forged.status, 403, 'a bad signature naming a blocked key: 403 before verifying');
    }
    assert.equal(remote.getCount(new URL(mallory.id).pathname), actorFetches, 'no key fetched from the blocked server');

    const room = await alice.post<{ id: string }>(`${a.url}/api/v1/rooms`, { title: 'Open', visibility: 'public' });
    for (const url of [owl, `${owl}/outbox`, `${a.url}/rooms/${room.body.id}`, `${a.url}/api/v1/rooms/${room.body.id}`]) {
      const res = await new TestClient(agent).request('GET', url, undefined, { accept: 'application/activity+json', ...signed('GET', url) });
      assert.equal(res.status, 403, `signed GET ${url}`);
    }
    const webfinger = await new TestClient(agent).get(`${a.url}/.well-known/webfinger?resource=${encodeURIComponent(`acct:owl@${a.host}`)}`);
    assert.equal(webfinger.status, 200, 'an unsigned WebFinger lookup is answered…');
    const inbox = `${owl}/inbox`;
    const followAfter = JSON.stringify({ '@context': AS, id: `${mallory.id}#f2`, type: 'Follow', actor: mallory.id, object: owl });
    const res = await new TestClient(agent).request('POST', inbox, followAfter, { 'content-type': 'application/activity+json', ...signed('POST', inbox, followAfter) });
    assert.equal(res.status, 403, '…and the Follow that follows it is refused');

    const before = remote.received.length;
    const out = await alice.post<{ error: string }>(`${a.url}/api/v1/personas/owl/follow`, { target: `mallory@evil.hearth.test` });
    assert.deepEqual([out.status, out.body.error], [403, 'instance_blocked']);
    assert.equal(remote.received.length, before, 'nothing fetched from it, not even WebFinger');
  });

  it('takes a report about a remote persona from a user to the queue; resolving it limits B, in the audit log', { timeout: 60_000 }, async () => {
    const filed = await dora.post<{ id: string; forwarded: boolean }>(`${a.url}/api/v1/reports`, { target: `fox@${b.host}`, comment: 'pile-on from there' });
    assert.equal(filed.status, 202, filed.text);
    assert.equal(filed.body.forwarded, false, 'not forwarded unless asked');
    assert.equal((await dora.post(`${a.url}/api/v1/reports`, { target: `nobody@${b.host}`, comment: 'x' })).status, 404);
    assert.equal((await dora.post(`${a.url}/api/v1/reports`, { target: `fox@${b.host}`, comment: 'x'.repeat(1001) })).status, 422);
    const queue = await alice.get<{ reports: Array<{ id: string; reporter: string; target: { kind: string; id: string; label: string } }> }>(`${a.url}/api/v1/admin/reports`);
    const report = queue.body.reports.find((r) => r.id === filed.body.id);
    assert.deepEqual([report?.reporter, report?.target.kind, report?.target.id, report?.target.label], ['@dove', 'remote_actor', fox, `fox@${b.host}`]);

    const resolved = await alice.post(`${a.url}/api/v1/admin/reports/${filed.body.id}/resolve`, { action: 'block_domain', level: 'limit', note: 'coordinated pile-on' });
    assert.equal(resolved.status, 200, resolved.text);
    const blocks = await alice.get<{ domainBlocks: Array<{ domain: string; level: string }> }>(`${a.url}/api/v1/admin/domain-blocks`);
    assert.ok(blocks.body.domainBlocks.some((bl) => bl.domain === 'b.hearth.test' && bl.level === 'limit'));
    const log = await alice.get<{ entries: Array<{ actor: string; action: string; target: string; reason: string }> }>(`${a.url}/api/v1/admin/audit-log`);
    assert.ok(log.body.entries.some((e) => e.actor === 'alice' && e.action === 'report.resolve' && e.reason === 'block_domain: coordinated pile-on'));
    assert.ok(log.body.entries.some((e) => e.actor === 'alice' && e.action === 'domain_block.create' && e.target === 'b.hearth.test'));
    assert.ok(!(await onB.get(`${b.url}/api/v1/admin/reports`)).text.includes('dove'), 'nothing was sent to B');
  });

  it('limit: follows from B wait for approval, and federation with B goes on', { timeout: 60_000 }, async () => {
    assert.equal((await onB.post(`${b.url}/api/v1/personas/fox/unfollow`, { target: owl })).status, 200);
    await waitFor(async () => !(await relationships(alice, a.url, 'owl')).followers.includes(fox), 10_000, 'the Undo to reach A');
    assert.equal((await onB.post(`${b.url}/api/v1/personas/fox/follow`, { target: owl })).status, 200);
    const pending = await waitFor(async () => {
      const r = await alice.get<{ requests: Array<{ id: string; actor: string }> }>(`${a.url}/api/v1/personas/owl/follow-requests`);
      return r.body.requests?.find((q) => q.actor === fox);
    }, 10_000, 'the follow from a limited instance to wait');
    assert.ok(!(await relationships(alice, a.url, 'owl')).followers.includes(fox), 'not a follower until approved');
    assert.equal((await alice.post(`${a.url}/api/v1/personas/owl/follow-requests/approve`, { id: pending.id })).status, 200);
    await waitFor(async () => (await relationships(onB, b.url, 'fox')).following.includes(owl), 10_000, 'the Accept to reach B');
  });

  it('limit: B\'s persona keeps listening in A\'s live room but cannot be invited on stage', { timeout: 30_000 }, async () => {
    assert.ok(host && foxSocket, 'the room of the suspend test');
    assert.ok(audienceIds(await host.room(() => true)).includes(fox), 'fox still listens');
    const invited = await host.request('invite', { participantId: fox });
    assert.ok(!invited.ok);
    assert.equal(invited.error.code, 'instance_limited');
    await foxSocket.ok('raiseHand');
    await host.room((r) => (r.hands as string[]).includes(fox));
    assert.equal((await host.request('invite', { participantId: fox })).ok, false, 'not even with a raised hand');
    assert.ok(!foxSocket.events.some((e) => e.event === 'invited'), 'no invitation reached B');
  });

  it('limit: B\'s public rooms are listed on A only to personas who follow their host', { timeout: 60_000 }, async () => {
    assert.equal((await alice.post(`${a.url}/api/v1/personas/owl/follow`, { target: fox })).status, 200);
    await waitFor(async () => (await relationships(alice, a.url, 'owl')).following.includes(fox), 10_000, 'owl to follow fox');
    const created = await onB.post<{ url: string }>(`${b.url}/api/v1/rooms`, { title: 'From B', visibility: 'public' });
    assert.equal(created.status, 201, created.text);
    const listed = (client: TestClient) => client.get<{ rooms: Array<{ id: string }> }>(`${a.url}/api/v1/rooms`);
    await waitFor(async () => (await listed(alice)).body.rooms.some((r) => r.id === created.body.url) || undefined, 10_000, 'B\'s room listed to owl, who follows fox');
    assert.ok(!(await listed(dora)).body.rooms.some((r) => r.id === created.body.url), 'not listed to dove, who does not follow fox');
  });

  it('lifting the suspend restores federation for new activity; purged data stays purged', { timeout: 60_000 }, async () => {
    assert.equal((await alice.request('DELETE', `${a.url}/api/v1/admin/domain-blocks/C.hearth.test.`, { reason: 'resolved' })).status, 204);
    assert.ok(!(await relationships(alice, a.url, 'owl')).followers.includes(cat), 'the old follow does not come back');
    const follow = await alice.post(`${a.url}/api/v1/personas/owl/follow`, { target: `cat@${c.host}` });
    assert.equal(follow.status, 200, follow.text);
    await waitFor(async () => (await relationships(onC, c.url, 'cat')).followers.includes(owl), 10_000, 'C to accept a new follow');
  });

  it('limits follows per account with 429 and Retry-After', async () => {
    const answers: number[] = [];
    for (let i = 0; i < 7; i++) answers.push((await dora.post(`${a.url}/api/v1/personas/dove/follow`, { target: owl })).status);
    assert.deepEqual(answers.map((s) => s === 429), [false, false, false, false, false, false, true], answers.join());
    const last = await dora.post(`${a.url}/api/v1/personas/dove/follow`, { target: owl });
    assert.equal(last.status, 429);
    assert.ok(Number(last.headers.get('retry-after')) > 0);
  });
});
