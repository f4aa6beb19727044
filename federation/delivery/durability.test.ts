import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { openStore } from '../../server/store/index.js';
import { DeliveryQueue } from './index.js';
import { ManualClock, loopbackFetcher, silentLogger, startInbox, waitFor } from './test-fixtures/inbox-server.js';

const childScript = fileURLToPath(new URL('./durability-child.js', import.meta.url));
const ACKS_BEFORE_KILL = 150;
/** The default lease the killed process took its jobs under. */
const LEASE_MS = 2 * 60 * 1000;

/** Runs the child until it acknowledged `count` jobs and has posts in flight, then SIGKILLs it. */
async function enqueueThenKill(dataDir: string, inbox: string, ready: () => boolean): Promise<{ acked: string[]; signal: NodeJS.Signals | null }> {
  const child = spawn(process.execPath, [childScript, dataDir, inbox], { stdio: ['ignore', 'pipe', 'pipe'] });
  const acked: string[] = [];
  let partial = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  child.stdout.on('data', (chunk: Buffer) => {
    partial += chunk.toString();
    const lines = partial.split('\n');
    partial = lines.pop() ?? ''; // a line without its newline was not fully acknowledged yet
    acked.push(...lines);
  });
  try {
    await waitFor('child acknowledged enough jobs with posts in flight', () => (acked.length >= ACKS_BEFORE_KILL && ready()) || child.exitCode !== null, 30_000);
  } finally {
    child.kill('SIGKILL');
  }
  const signal = await exited;
  assert.equal(stderr, '', 'child wrote to stderr');
  return { acked, signal };
}

/** A new process's queue, its clock past the dead one's leases, run until no job is open. */
async function drainAfterLeases(delivery: Awaited<ReturnType<typeof openStore>>['delivery'], fetcher: ReturnType<typeof loopbackFetcher>): Promise<void> {
  const clock = new ManualClock(new Date(Date.now() + LEASE_MS + 1000));
  const queue = new DeliveryQueue({ repository: delivery, http: fetcher, log: silentLogger(), clock, options: { maxInFlight: 64, maxPerHost: 16 } });
  queue.start();
  try {
    await waitFor('every job delivered', async () => {
      const counts = await delivery.counts();
      return counts.pending === 0 && counts['in-flight'] === 0;
    }, 30_000);
  } finally {
    await queue.stop();
  }
}

/** The activity ids of the posts an inbox received. */
function idsOf(posts: readonly { body: Buffer }[]): string[] {
  return posts.map((p) => (JSON.parse(p.body.toString()) as { id: string }).id);
}

describe('delivery queue durability', () => {
  it('keeps every acknowledged job after kill -9, and redelivers the jobs the dead process had claimed once their leases run out', { timeout: 90_000 }, async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-delivery-kill-'));
    let holding = true;
    // While the child runs, the inbox never answers: the child's claimed jobs are in flight when it dies.
    const peer = await startInbox(() => (holding ? 'hang' : { status: 202 }));
    const fetcher = loopbackFetcher(5000);
    try {
      const { acked, signal } = await enqueueThenKill(dataDir, peer.inbox, () => peer.posts.length > 0);
      assert.equal(signal, 'SIGKILL');
      assert.ok(acked.length >= ACKS_BEFORE_KILL, `only ${acked.length} acknowledged enqueues`);
      const heldIds = idsOf(peer.posts);
      assert.ok(heldIds.length > 0);

      const store = await openStore({ dataDir, log: silentLogger() });
      try {
        const { delivery } = store;
        const missing: string[] = [];
        for (const id of acked) {
          const job = await delivery.findJob(id, peer.inbox);
          if (!job || job.privateKeyPem === null || (job.state !== 'pending' && job.state !== 'in-flight')) missing.push(id);
        }
        assert.deepEqual(missing, [], `${missing.length} of ${acked.length} acknowledged jobs lost or changed`);
        // The jobs the dead process was posting are still leased to it: nobody may take them yet.
        for (const id of heldIds) {
          const job = await delivery.findJob(id, peer.inbox);
          assert.equal(job?.state, 'in-flight', `${id} should still be leased`);
          assert.ok(job.nextAttemptAt.getTime() > Date.now(), 'lease already over');
        }

        holding = false;
        const before = peer.posts.length;
        await drainAfterLeases(delivery, fetcher);
        const counts = await delivery.counts();
        assert.equal(counts.failed, 0);
        assert.ok(counts.delivered >= acked.length);
        const delivered = new Set(idsOf(peer.posts.slice(before).filter((p) => p.status === 202)));
        for (const id of [...acked, ...heldIds]) assert.ok(delivered.has(id), `${id} not redelivered`);
      } finally {
        await store.close();
      }
    } finally {
      await fetcher.close();
      await peer.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('loses no acknowledged job when killed while posts are answered and the next ones claimed with their outcomes', { timeout: 90_000 }, async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-delivery-kill-'));
    // The inbox answers at once: the child settles rounds and claims the next jobs in the same commits when it dies.
    const peer = await startInbox(() => ({ status: 202 }));
    const fetcher = loopbackFetcher(5000);
    try {
      const { acked, signal } = await enqueueThenKill(dataDir, peer.inbox, () => peer.posts.length >= 100);
      assert.equal(signal, 'SIGKILL');
      const store = await openStore({ dataDir, log: silentLogger() });
      try {
        const { delivery } = store;
        const missing: string[] = [];
        for (const id of acked) {
          const job = await delivery.findJob(id, peer.inbox);
          const open = job?.state === 'pending' || job?.state === 'in-flight';
          if (!job || (open ? job.privateKeyPem === null : job.state !== 'delivered')) missing.push(id);
        }
        assert.deepEqual(missing, [], `${missing.length} of ${acked.length} acknowledged jobs lost or changed`);
        await drainAfterLeases(delivery, fetcher);
        assert.equal((await delivery.counts()).failed, 0);
        // Every acknowledged job reached the inbox (a job posted when the process died may have reached it twice).
        const received = new Set(idsOf(peer.posts.filter((p) => p.status === 202)));
        const notReceived = acked.filter((id) => !received.has(id));
        assert.deepEqual(notReceived, [], `${notReceived.length} acknowledged jobs never delivered`);
      } finally {
        await store.close();
      }
    } finally {
      await fetcher.close();
      await peer.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
