/**
 * Benchmark 4, fan-out delivery: one activity to many recipients on many
 * loopback hosts (127.0.1.x), each answering after an injected latency. The
 * project's durable delivery queue (its SafeFetcher, signatures, per-host
 * limits) against stock activitypub-express's delivery loop, both in this
 * process on their SQLite stores; each bounded in time.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DeliveryQueue, chooseInboxes, type InboxRecipient } from '../../federation/delivery/index.js';
import { SafeFetcher } from '../../federation/net/index.js';
import { createLogger } from '../../server/core/logging/logger.js';
import { openStore } from '../../server/store/index.js';
import { newKeyPair, startRemoteHost, type RemoteHost } from './remote-hosts.js';
import { stockApex } from './stock-apex.js';
import { mapLimit, round, sleep, type BenchContext, type BenchResult } from './types.js';

const log = createLogger({ level: 'silent', logIpAddresses: false });

interface FanoutRun {
  /** Recipients reached (one per POST to a personal inbox; those it serves for a shared inbox). */
  delivered: number;
  /** POSTs received. */
  posts: number;
  seconds: number;
  perSecond: number;
  /** Time until the last recipient got it, when all did. */
  allWithinSeconds?: number;
}

const received = (hosts: readonly RemoteHost[]): number => hosts.reduce((n, h) => n + h.posts.reduce((m, p) => m + p.recipients, 0), 0);

async function waitDelivered(hosts: readonly RemoteHost[], total: number, t0: number, capS: number): Promise<FanoutRun> {
  const deadline = t0 + capS * 1000;
  while (received(hosts) < total && performance.now() < deadline) await sleep(20);
  const delivered = received(hosts);
  const last = Math.max(t0, ...hosts.flatMap((h) => h.posts.map((p) => p.at)));
  const seconds = (Math.min(performance.now(), delivered === total ? last : performance.now()) - t0) / 1000;
  return {
    delivered, posts: hosts.reduce((n, h) => n + h.posts.length, 0), seconds: round(seconds, 3), perSecond: round(delivered / Math.max(seconds, 0.001), 1),
    ...(delivered === total ? { allWithinSeconds: round((last - t0) / 1000, 3) } : {}),
  };
}

type Activity = { id: string } & Record<string, unknown>;

const ACTIVITY: Activity = { '@context': 'https://www.w3.org/ns/activitystreams', id: 'http://127.0.0.1/activities/1', type: 'Create', actor: 'http://127.0.0.1/u/owl', object: { type: 'Note', content: 'hello' } };

/** The project's queue: `inboxes` queued at once, the clock started before the enqueue; `total` recipients to reach. */
async function hearthFanout(dir: string, hosts: readonly RemoteHost[], activity: Activity, inboxes: string[], total: number, capS: number): Promise<FanoutRun> {
  const store = await openStore({ dataDir: dir, log });
  const queue = new DeliveryQueue({
    repository: store.delivery, log,
    http: new SafeFetcher({ allowPrivate: ['127.0.0.0/8'], userAgent: 'Hearth-bench', log }),
  });
  const keys = newKeyPair();
  queue.start();
  try {
    const t0 = performance.now();
    const queued = await queue.enqueue({ activity, inboxes, keyId: 'http://127.0.0.1/u/owl#main-key', privateKeyPem: keys.privateKey });
    if (!queued.ok) throw new Error(`enqueue refused: ${queued.error.kind}`);
    queue.wake();
    return await waitDelivered(hosts, total, t0, capS);
  } finally {
    await queue.stop();
    await store.close();
  }
}

/**
 * The recipients as the server knows them: each actor's document as its host
 * serves it (fetched before the clock starts, as a server holds its
 * followers' actors cached), its `inbox` and `endpoints.sharedInbox`.
 */
async function resolveRecipients(hosts: readonly RemoteHost[]): Promise<InboxRecipient[]> {
  return mapLimit(hosts.flatMap((h) => h.actors), 32, async (actor) => {
    const response = await fetch(actor.id, { headers: { accept: 'application/activity+json' } });
    const doc = (await response.json()) as { inbox?: unknown; endpoints?: { sharedInbox?: unknown } };
    if (typeof doc.inbox !== 'string') throw new Error(`actor ${actor.id} has no inbox`);
    const shared = doc.endpoints?.sharedInbox;
    return { inbox: doc.inbox, sharedInbox: typeof shared === 'string' ? shared : undefined };
  });
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
  const total = hostCount * perHost;
  const figures: Record<string, unknown> = { recipients: total, hosts: hostCount, latencyMs };
  const scratch = (name: string): string => {
    fs.mkdirSync(path.join(ctx.scratch, name), { recursive: true });
    return path.join(ctx.scratch, name);
  };
  let hosts = await startHosts();
  let hearth: FanoutRun;
  let apex: FanoutRun;
  let shared: FanoutRun;
  try {
    // Row 1 and 2: every recipient's own inbox, one POST each, the project's queue against stock apex's loop.
    hearth = await hearthFanout(scratch('fanout-hearth'), hosts, ACTIVITY, hosts.flatMap((h) => h.actors.map((a) => a.inbox)), total, tiny ? 10 : 30);
    ctx.say(`fanout: hearth ${hearth.delivered} in ${hearth.seconds} s`);
    await Promise.all(hosts.map((h) => h.close()));
    hosts = await startHosts();
    apex = await apexFanout(scratch('fanout-apex'), hosts, hosts.flatMap((h) => h.actors.map((a) => a.inbox)), tiny ? 5 : 20);
    ctx.say(`fanout: apex ${apex.delivered} in ${apex.seconds} s`);
    await Promise.all(hosts.map((h) => h.close()));
    // Row 3: the same recipients addressed by id, their inboxes chosen by the project's chooseInboxes from
    // their actor documents (shared inboxes, one POST per host); each host counts the recipients it serves.
    hosts = await startHosts();
    const recipients = hosts.flatMap((h) => h.actors.map((a) => a.id));
    const inboxes = chooseInboxes(await resolveRecipients(hosts));
    shared = await hearthFanout(scratch('fanout-shared'), hosts, { ...ACTIVITY, id: 'http://127.0.0.1/activities/2', to: recipients }, inboxes, total, tiny ? 10 : 30);
    ctx.say(`fanout: hearth via shared inboxes ${shared.delivered} recipients, ${shared.posts} posts, in ${shared.seconds} s`);
  } finally {
    await Promise.all(hosts.map((h) => h.close()));
  }
  figures.hearth = hearth;
  figures.baseline = apex;
  figures.sharedInboxes = shared;
  const ratio = apex.perSecond > 0 ? round(hearth.perSecond / apex.perSecond, 1) : undefined;
  figures.ratio = ratio;
  const reached = (run: FanoutRun): string =>
    run.allWithinSeconds !== undefined ? `all in ${run.allWithinSeconds} s (${run.perSecond}/s)` : `${run.delivered}/${total} in ${run.seconds} s`;
  return {
    name: 'fanout', ran: true, size: ctx.size, startedAt: new Date(started).toISOString(), durationMs: Date.now() - started, figures,
    rows: [
      {
        benchmark: '4 Fan-out delivery', target: `all ${total} delivered within 3 s (${hostCount} hosts, ${latencyMs} ms latency)`,
        measured: `${reached(hearth)}, ${hearth.posts} POSTs to personal inboxes`,
        met: hearth.allWithinSeconds !== undefined && hearth.allWithinSeconds <= 3,
      },
      {
        benchmark: '4 Fan-out vs stock apex', target: '≥ 50 × the baseline\'s rate',
        measured: ratio !== undefined ? `${ratio} ×` : 'no ratio',
        baseline: `${apex.delivered}/${total} in ${apex.seconds} s (${apex.perSecond}/s)`,
        met: ratio !== undefined ? ratio >= 50 : null,
        note: `both handed the same ${total} personal inboxes; stock apex's own address() would pick shared inboxes too, then post them one at a time`,
      },
      {
        benchmark: '4 Fan-out via shared inboxes', target: `all ${total} recipients reached within 3 s (same recipients, actors advertise endpoints.sharedInbox)`,
        measured: shared.allWithinSeconds !== undefined
          ? `all ${total} recipients in ${shared.allWithinSeconds} s (${shared.perSecond} recipients/s), ${shared.posts} POSTs`
          : `${shared.delivered}/${total} recipients in ${shared.seconds} s, ${shared.posts} POSTs`,
        met: shared.allWithinSeconds !== undefined && shared.allWithinSeconds <= 3,
        note: 'inboxes chosen by chooseInboxes from the actor documents; each host counts the addressed recipients it serves; no apex run',
      },
    ],
  };
}
