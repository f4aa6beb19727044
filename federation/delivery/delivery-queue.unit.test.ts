import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { verifyRequest } from '../signatures/index.js';
import { chooseInboxes, type DeliveryQueue, type DeliveryQueueDeps, type EnqueueRequest } from './index.js';
import {
  loopbackFetcher,
  startInbox,
  testKeys,
  waitFor,
  type InboxServer,
  type ReceivedPost,
} from './test-fixtures/inbox-server.js';
import { deliveryTestBed } from './test-fixtures/test-bed.js';

const ACTOR = 'https://hearth.test/u/nightowl';
const KEY_ID = `${ACTOR}#main-key`;
const SECOND = 1000;

let counter = 0;
function activity(type = 'Create'): { id: string; type: string; actor: string } {
  counter += 1;
  return { id: `https://hearth.test/activities/${counter}`, type, actor: ACTOR };
}

describe('DeliveryQueue against real loopback inboxes and real SQLite', () => {
  const bed = deliveryTestBed();
  const queue = (overrides?: Partial<DeliveryQueueDeps>): DeliveryQueue => bed.queue(overrides);
  const inbox = async (reply: InboxServer['reply']): Promise<InboxServer> => {
    const server = await startInbox(reply);
    bed.servers.push(server);
    return server;
  };
  const enqueue = async (q: DeliveryQueue, request: Partial<EnqueueRequest> & Pick<EnqueueRequest, 'inboxes'>) => {
    const result = await q.enqueue({ activity: activity(), keyId: KEY_ID, privateKeyPem: testKeys().privateKeyPem, ...request });
    assert.ok(result.ok, `enqueue refused: ${JSON.stringify(result)}`);
    return result.value;
  };
  const job = (activityId: string, inboxUrl: string) => bed.harness.store().delivery.findJob(activityId, inboxUrl);

  it('delivers once, signed with the job key (draft-cavage, digest), and erases the key', async () => {
    const peer = await inbox(() => ({ status: 202 }));
    const q = queue();
    q.start();
    const sent = activity();
    assert.deepEqual(await enqueue(q, { activity: sent, inboxes: [peer.inbox] }), { queued: 1, duplicates: 0, rejected: [] });
    await waitFor('delivery recorded', async () => (await job(sent.id, peer.inbox))?.state === 'delivered');
    assert.equal(peer.posts.length, 1);
    const post = peer.posts[0] as ReceivedPost;
    assert.equal(post.url, '/inbox');
    assert.equal(post.body.toString(), JSON.stringify(sent));
    assert.equal(post.headers['content-type'], 'application/activity+json');
    for (const name of ['signature', 'digest', 'date', 'host']) assert.ok(post.headers[name], `missing ${name} header`);
    assert.match(String(post.headers['signature']), /headers="\(request-target\) host date digest"/);
    const verified = await verifyRequest({
      method: 'POST',
      path: post.url,
      headers: post.headers,
      rawBody: post.body,
      now: bed.clock.now(),
      scheme: 'http',
      resolveKey: (keyId) => Promise.resolve(keyId === KEY_ID ? { owner: ACTOR, publicKeyPem: testKeys().publicKeyPem } : null),
    });
    assert.ok(verified.ok, `signature does not verify: ${JSON.stringify(verified)}`);
    assert.equal(verified.value.keyId, KEY_ID);
    const stored = await job(sent.id, peer.inbox);
    assert.deepEqual([stored?.lastStatus, stored?.attempts, stored?.privateKeyPem], [202, 1, null]);
    // Nothing more goes out, however often the runner looks: an hour later it delivers a witness, and only that.
    bed.clock.advance(3600 * SECOND);
    await bed.passOver(q);
    assert.equal(peer.posts.length, 1);
  });

  it('retries a 500 with backoff and delivers exactly once on the 200', async () => {
    const peer = await inbox((_post, index) => ({ status: index === 0 ? 500 : 200 }));
    const q = queue();
    q.start();
    const sent = activity();
    await enqueue(q, { activity: sent, inboxes: [peer.inbox] });
    await waitFor('first attempt failed', async () => (await job(sent.id, peer.inbox))?.lastStatus === 500);
    const waiting = await job(sent.id, peer.inbox);
    assert.equal(waiting?.state, 'pending');
    // random() = 0.5 of the first cap (30 s): 15 s.
    assert.equal(waiting.nextAttemptAt.getTime() - bed.clock.now().getTime(), 15 * SECOND);
    assert.ok(waiting.privateKeyPem, 'the key stays while the job is open');
    await bed.passOver(q);
    assert.equal(peer.posts.length, 1, 'not retried before its time');
    bed.clock.advance(15 * SECOND);
    q.wake();
    await waitFor('delivered', async () => (await job(sent.id, peer.inbox))?.state === 'delivered');
    bed.clock.advance(3600 * SECOND);
    await bed.passOver(q);
    assert.deepEqual(peer.posts.map((p) => p.status), [500, 200]);
    assert.equal((await job(sent.id, peer.inbox))?.attempts, 2);
  });

  it('stops at once on 410 and on a 400, and honors a sane Retry-After on 429', async () => {
    const gone = await inbox(() => ({ status: 410 }));
    const bad = await inbox(() => ({ status: 400 }));
    const busy = await inbox(() => ({ status: 429, headers: { 'retry-after': '120' } }));
    const q = queue();
    q.start();
    const sent = activity();
    await enqueue(q, { activity: sent, inboxes: [gone.inbox, bad.inbox, busy.inbox] });
    await waitFor('410 failed', async () => (await job(sent.id, gone.inbox))?.state === 'failed');
    await waitFor('400 failed', async () => (await job(sent.id, bad.inbox))?.state === 'failed');
    await waitFor('429 rescheduled', async () => (await job(sent.id, busy.inbox))?.lastStatus === 429);
    const goneJob = await job(sent.id, gone.inbox);
    assert.deepEqual([goneJob?.lastStatus, goneJob?.attempts, goneJob?.privateKeyPem], [410, 1, null]);
    assert.equal((await job(sent.id, bad.inbox))?.lastStatus, 400);
    const busyJob = await job(sent.id, busy.inbox);
    assert.equal(busyJob?.state, 'pending');
    assert.equal(busyJob.nextAttemptAt.getTime() - bed.clock.now().getTime(), 120 * SECOND);
    bed.clock.advance(7 * 24 * 3600 * SECOND);
    await bed.passOver(q);
    assert.equal(gone.posts.length, 1);
    assert.equal(bad.posts.length, 1);
  });

  it('times out a peer that never answers and retries it later', async () => {
    const slow = await inbox((_post, index) => (index === 0 ? 'hang' : { status: 202 }));
    await bed.fetcher.close();
    bed.fetcher = loopbackFetcher(300);
    const q = queue();
    q.start();
    const sent = activity();
    await enqueue(q, { activity: sent, inboxes: [slow.inbox] });
    await waitFor('timed out', async () => (await job(sent.id, slow.inbox))?.lastError?.startsWith('timeout') === true, 3000);
    assert.equal((await job(sent.id, slow.inbox))?.state, 'pending');
    assert.equal((await bed.harness.store().delivery.hostHealth(slow.host))?.failureDays.length, 1);
    bed.clock.advance(60 * SECOND);
    q.wake();
    await waitFor('delivered on retry', async () => (await job(sent.id, slow.inbox))?.state === 'delivered');
    assert.equal(slow.posts.length, 2);
    assert.equal((await bed.harness.store().delivery.hostHealth(slow.host))?.failureDays.length, 0, 'a success clears the failure days');
  });

  it('sends one POST to a shared inbox for many recipients, and a duplicate enqueue is a no-op', async () => {
    const shared = await inbox(() => ({ status: 202 }));
    const personal = await inbox(() => ({ status: 202 }));
    const recipients = [
      ...['a', 'b', 'c', 'd', 'e'].map((u) => ({ inbox: `${shared.origin}/users/${u}/inbox`, sharedInbox: shared.inbox })),
      { inbox: personal.inbox },
      { inbox: personal.inbox },
    ];
    const inboxes = chooseInboxes(recipients);
    assert.deepEqual(inboxes, [shared.inbox, personal.inbox]);
    const q = queue();
    const sent = activity();
    assert.deepEqual(await enqueue(q, { activity: sent, inboxes: [...inboxes, `${shared.inbox}#x`, 'mailto:x@y'] }), {
      queued: 2,
      duplicates: 0,
      rejected: ['mailto:x@y'],
    });
    assert.deepEqual(await enqueue(q, { activity: JSON.stringify(sent), inboxes }), { queued: 0, duplicates: 2, rejected: [] });
    q.start();
    await waitFor('both delivered', async () => (await bed.harness.store().delivery.counts()).delivered === 2);
    assert.deepEqual(await enqueue(q, { activity: sent, inboxes }), { queued: 0, duplicates: 2, rejected: [] });
    await bed.passOver(q);
    assert.equal(shared.posts.length, 1);
    assert.equal(personal.posts.length, 1);
  });

  it('refuses activities without id, bad keys and unknown receipts, storing nothing', async () => {
    const q = queue();
    const base = { inboxes: ['https://remote.test/inbox'], keyId: KEY_ID, privateKeyPem: testKeys().privateKeyPem };
    const kinds = [
      await q.enqueue({ ...base, activity: '{"type":"Create"}' }),
      await q.enqueue({ ...base, activity: 'not json' }),
      await q.enqueue({ ...base, activity: activity(), privateKeyPem: 'not a key' }),
      await q.enqueue({ ...base, activity: activity(), batchId: 'AAAAAAAAAAAAAAAAAAAAAAAA' }),
    ].map((r) => (r.ok ? 'ok' : r.error.kind));
    assert.deepEqual(kinds, ['invalid-activity', 'invalid-activity', 'invalid-key', 'unknown-batch']);
    assert.deepEqual(await bed.harness.store().delivery.counts(), { pending: 0, 'in-flight': 0, delivered: 0, failed: 0 });
  });

  it('reports a deletion receipt per instance: pending, then acknowledged with status or failed', async () => {
    const ok = await inbox(() => ({ status: 202 }));
    const gone = await inbox(() => ({ status: 410 }));
    const down = await inbox(() => ({ status: 503 }));
    const q = queue();
    const receiptId = await q.createReceipt({ actorId: ACTOR });
    assert.match(receiptId, /^[A-Za-z0-9_-]{24}$/);
    const sent = activity('Delete');
    await enqueue(q, { activity: sent, inboxes: [ok.inbox, gone.inbox, down.inbox], batchId: receiptId });
    const before = await q.receipt(receiptId);
    assert.ok(before.ok);
    assert.deepEqual(
      before.value.instances.map((i) => [i.host, i.state, i.attempts, i.status]),
      [ok, gone, down].map((s) => s.host).sort().map((host) => [host, 'pending', 0, undefined]),
    );
    q.start();
    await waitFor('all attempted once', () => ok.posts.length + gone.posts.length + down.posts.length === 3 && down.posts[0]?.status === 503);
    await waitFor('receipt settled', async () => {
      const r = await q.receipt(receiptId);
      return r.ok && r.value.instances.filter((i) => i.state !== 'pending').length === 2 && r.value.instances.every((i) => i.attempts === 1);
    });
    const after = await q.receipt(receiptId);
    assert.ok(after.ok);
    const byHost = new Map(after.value.instances.map((i) => [i.host, i]));
    assert.deepEqual([byHost.get(ok.host)?.state, byHost.get(ok.host)?.status], ['acknowledged', 202]);
    assert.deepEqual([byHost.get(gone.host)?.state, byHost.get(gone.host)?.status], ['failed', 410]);
    assert.equal(byHost.get(down.host)?.state, 'pending');
    assert.ok(byHost.get(ok.host)?.lastAttemptAt);
    assert.equal(after.value.createdAt, before.value.createdAt);
    // The receipt outlives the process and everything else: read it from a reopened store.
    await q.stop();
    await bed.harness.reopen();
    const reopened = await queue().receipt(receiptId);
    assert.ok(reopened.ok);
    assert.equal(reopened.value.instances.length, 3);
    assert.deepEqual((await queue().receipt('AAAAAAAAAAAAAAAAAAAAAAAA')).ok, false);
    assert.deepEqual((await queue().receipt('../etc')).ok, false);
  });
});
