/**
 * Benchmark 4, fan-out delivery: one activity to many recipients on many
 * loopback hosts (127.0.1.x), each answering after an injected latency. The
 * project's durable delivery queue (its SafeFetcher, signatures, per-host
 * limits) against stock activitypub-express's delivery loop, both in this
 * process on their SQLite stores; each bounded in time.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DeliveryQueue } from '../../federation/delivery/index.js';
import { SafeFetcher } from '../../federation/net/index.js';
import { createLogger } from '../../server/core/logging/logger.js';
import { openStore } from '../../server/store/index.js';
import { newKeyPair, startRemoteHost, type RemoteHost } from './remote-hosts.js';
import { stockApex } from './stock-apex.js';
import { round, sleep, type BenchContext, type BenchResult } from './types.js';

const log = createLogger({ level: 'silent', logIpAddresses: false });

interface FanoutRun {
  delivered: number;
  seconds: number;
  perSecond: number;
  /** Time until the last recipient got it, when all did. */
  allWithinSeconds?: number;
}

const received = (hosts: readonly RemoteHost[]): number => hosts.reduce((n, h) => n + h.posts.length, 0);

async function waitDelivered(hosts: readonly RemoteHost[], total: number, t0: number, capS: number): Promise<FanoutRun> {
  const deadline = t0 + capS * 1000;
  while (received(hosts) < total && performance.now() < deadline) await sleep(20);
  const delivered = received(hosts);
  const last = Math.max(t0, ...hosts.flatMap((h) => h.posts.map((p) => p.at)));
  const seconds = (Math.min(performance.now(), delivered === total ? last : performance.now()) - t0) / 1000;
  return {
    delivered, seconds: round(seconds, 3), perSecond: round(delivered / Math.max(seconds, 0.001), 1),
    ...(delivered === total ? { allWithinSeconds: round((last - t0) / 1000, 3) } : {}),
  };
}

async function hearthFanout(dir: string, hosts: readonly RemoteHost[], inboxes: string[], capS: number): Promise<FanoutRun> {
  const store = await openStore({ dataDir: dir, log });
  const queue = new DeliveryQueue({
    repository: store.delivery, log,
    http: new SafeFetcher({ allowPrivate: ['127.0.0.0/8'], userAgent: 'Hearth-bench', log }),
  });
  const keys = newKeyPair();
  queue.start();
  try {
    const t0 = performance.now();
    const queued = await queue.enqueue({
      activity: { '@context': 'https://www.w3.org/ns/activitystreams', id: 'http://127.0.0.1/activities/1', type: 'Create', actor: 'http://127.0.0.1/u/owl', object: { type: 'Note', content: 'hello' } },
      inboxes, keyId: 'http://127.0.0.1/u/owl#main-key', privateKeyPem: keys.privateKey,
    });
    if (!queued.ok) throw new Error(`enqueue refused: ${queued.error.kind}`);
    queue.wake();
    return await waitDelivered(hosts, inboxes.length, t0, capS);
  } finally {
    await queue.stop();
    await store.close();
  }
}

async function apexFanout(dir: string, hosts: readonly RemoteHost[], inboxes: string[], capS: number): Promise<FanoutRun> {
  const store = await openStore({ dataDir: dir, log });
  const apex = stockApex('http://127.0.0.1', store.apex);
  const actor = await apex.createActor('owl', 'Owl', 'baseline', null, 'Person');
  const activity = await apex.buildActivity('Create', actor.id, [], { object: { type: 'Note', content: 'hello', attributedTo: actor.id } });
  const t0 = performance.now();
  void apex.queueForDelivery(actor, activity, inboxes).catch(() => undefined);
  try {
    return await waitDelivered(hosts, inboxes.length, t0, capS);
  } finally {
    // Stops apex's serial loop (it asks the store for the next delivery).
    (apex.store as unknown as { deliveryDequeue: () => Promise<null> }).deliveryDequeue = () => Promise.resolve(null);
    await sleep(200);
    await store.close();
  }
}

export async function fanoutBenchmark(ctx: BenchContext): Promise<BenchResult> {
  const started = Date.now();
  const tiny = ctx.size === 'tiny';
  const hostCount = tiny ? 4 : 100;
  const perHost = tiny ? 3 : 10;
  const latencyMs = 50;
  const keys = newKeyPair();
  const startHosts = async (): Promise<RemoteHost[]> =>
    Promise.all(Array.from({ length: hostCount }, (_, i) => startRemoteHost({ ip: `127.0.1.${i + 1}`, actors: perHost, latencyMs, keys })));
  const figures: Record<string, unknown> = { recipients: hostCount * perHost, hosts: hostCount, latencyMs };
  let hosts = await startHosts();
  let hearth: FanoutRun;
  let apex: FanoutRun;
  try {
    const inboxes = hosts.flatMap((h) => h.actors.map((a) => a.inbox));
    fs.mkdirSync(path.join(ctx.scratch, 'fanout-hearth'), { recursive: true });
    hearth = await hearthFanout(path.join(ctx.scratch, 'fanout-hearth'), hosts, inboxes, tiny ? 10 : 30);
    ctx.say(`fanout: hearth ${hearth.delivered} in ${hearth.seconds} s`);
    await Promise.all(hosts.map((h) => h.close()));
    hosts = await startHosts();
    const inboxes2 = hosts.flatMap((h) => h.actors.map((a) => a.inbox));
    fs.mkdirSync(path.join(ctx.scratch, 'fanout-apex'), { recursive: true });
    apex = await apexFanout(path.join(ctx.scratch, 'fanout-apex'), hosts, inboxes2, tiny ? 5 : 20);
    ctx.say(`fanout: apex ${apex.delivered} in ${apex.seconds} s`);
  } finally {
    await Promise.all(hosts.map((h) => h.close()));
  }
  figures.hearth = hearth;
  figures.baseline = apex;
  const ratio = apex.perSecond > 0 ? round(hearth.perSecond / apex.perSecond, 1) : undefined;
  figures.ratio = ratio;
  const total = hostCount * perHost;
  return {
    name: 'fanout', ran: true, size: ctx.size, startedAt: new Date(started).toISOString(), durationMs: Date.now() - started, figures,
    rows: [
      {
        benchmark: '4 Fan-out delivery', target: `all ${total} delivered within 3 s (${hostCount} hosts, ${latencyMs} ms latency)`,
        measured: hearth.allWithinSeconds !== undefined ? `all in ${hearth.allWithinSeconds} s (${hearth.perSecond}/s)` : `${hearth.delivered}/${total} in ${hearth.seconds} s`,
        met: hearth.allWithinSeconds !== undefined && hearth.allWithinSeconds <= 3,
      },
      {
        benchmark: '4 Fan-out vs stock apex', target: '≥ 50 × the baseline\'s rate',
        measured: ratio !== undefined ? `${ratio} ×` : 'no ratio',
        baseline: `${apex.delivered}/${total} in ${apex.seconds} s (${apex.perSecond}/s)`,
        met: ratio !== undefined ? ratio >= 50 : null,
      },
    ],
  };
}
