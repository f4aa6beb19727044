/**
 * Benchmark 3, inbox throughput: signed Follows (RSA-2048, keys cached after
 * a warm-up) verified, stored and answered per second, with p99 latency, by
 * the real server process on the embedded SQLite store; the same load on
 * stock activitypub-express on the same store in the same run. Also records
 * the server's idle resident memory (benchmark 6).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { Client } from '../helpers/accounts-harness.js';
import { childPids, REPO_ROOT, startLoopbackServer, stoppedWith, type ServerProcess } from '../helpers/server-process.js';
import { cpuTimeMs, rssBytes } from './machine.js';
import { prepareFollows, runInboxLoad, type InboxLoadResult } from './inbox-load.js';
import { startRemoteHost, type RemoteHost } from './remote-hosts.js';
import { percentile, round, sleep, type BenchContext, type BenchResult } from './types.js';

const BASELINE_JS = path.join(REPO_ROOT, 'dist', 'test', 'bench', 'apex-baseline.js');

interface Target {
  inbox: string;
  actorId: string;
  /** The process that serves the inbox (its CPU time is read around the timed load). */
  pid: number;
  stop(): Promise<void>;
}

/** The real server (dist/server/main.js) over plain HTTP on loopback, with one persona. */
async function startHearth(ctx: BenchContext, dataDir: string): Promise<Target & { proc: ServerProcess; idleRssMb: number; workerRssMb: number }> {
  const server = await startLoopbackServer({
    dataDir,
    env: { HEARTH_FEDERATION_ALLOW_PRIVATE: '127.0.0.0/8', HEARTH_FEDERATION_INBOUND_RATE: '1000000', HEARTH_FEDERATION_KEY_FETCH_RATE: '100000' },
    ...(ctx.cpuProfileDir ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${ctx.cpuProfileDir}`] } : {}),
  });
  const { base, proc, stop } = server;
  try {
    const client = new Client(base);
    const account = await client.post('/api/v1/accounts', { username: 'bench', password: 'a long bench password' });
    if (account.status !== 201) throw new Error(`sign-up failed: ${account.status}`);
    const persona = await client.post('/api/v1/personas', { handle: 'owl', displayName: 'Owl', summary: '' });
    if (persona.status !== 201) throw new Error(`persona creation failed: ${persona.status} ${JSON.stringify(persona.body)}`);
    await sleep(500);
    const pids = [proc.child.pid ?? 0, ...childPids(proc.child.pid ?? 0)];
    const rss = pids.map((p) => rssBytes(p) ?? 0);
    ctx.say(`inbox: hearth listening, idle RSS ${pids.length} processes`);
    return {
      inbox: `${base}/u/owl/inbox`, actorId: String(persona.body.actorId), pid: proc.child.pid ?? 0, proc, stop,
      idleRssMb: round((rss[0] ?? 0) / 2 ** 20, 1),
      workerRssMb: round(rss.slice(1).reduce((a, b) => a + b, 0) / 2 ** 20, 1),
    };
  } catch (e) {
    throw await stoppedWith(server, e);
  }
}

/** Stock activitypub-express in a child process (see apex-baseline.ts). */
async function startBaseline(dataDir: string): Promise<Target> {
  const child: ChildProcess = spawn(process.execPath, [BASELINE_JS, dataDir], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => { stderr += c.toString(); });
  const lines = createInterface({ input: child.stdout! });
  const first = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the apex baseline did not start within 20 s')), 20_000);
    lines.once('line', (l) => { clearTimeout(timer); resolve(l); });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`the apex baseline exited (${code}): ${stderr.slice(-2000)}`)); });
  });
  const info = JSON.parse(first) as { inbox: string; actorId: string };
  return {
    ...info,
    pid: child.pid ?? 0,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(5000)]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

/** What {@link measure} adds to the load's figures. */
export interface InboxMeasure extends Omit<InboxLoadResult, 'answeredAt'> {
  /** Server CPU (all threads) per accepted activity while the load ran. */
  serverCpuMsPerActivity?: number;
  /** Server CPU per accepted activity until every Accept reached the remote host (or the wait ended): the Accepts' delivery included. */
  serverCpuMsPerActivityWithAccept?: number;
  /** Accepts received by the remote host while the load ran, and in all. */
  acceptsDuringLoad: number;
  acceptsDelivered: number;
  /** From the Follow's 2xx answer to its Accept's arrival at the remote host. */
  acceptDelayP50Ms?: number;
  acceptDelayP99Ms?: number;
  acceptDelayMaxMs?: number;
}

/**
 * The load's figures plus the server process's own CPU time per accepted
 * activity (all its threads, the Accepts' signatures included, read from
 * /proc while the load runs): a figure that holds on a machine shared
 * with other work, where the rate and the latency do not. The Accepts
 * that were still queued when the load ended are waited for (up to
 * `acceptWaitSeconds`): their delay and the CPU until the last one are
 * reported too, as the CPU of the timed load alone leaves them out.
 */
async function measure(target: Target, remote: RemoteHost, count: number, maxSeconds: number, tag: string): Promise<InboxMeasure> {
  // Warm-up: every actor's key fetched and cached, untimed.
  const warm = prepareFollows({ inbox: target.inbox, target: target.actorId, actors: remote.actors, count: remote.actors.length, tag: `${tag}-warm` });
  await runInboxLoad(target.inbox, warm, 4, 30);
  const load = prepareFollows({ inbox: target.inbox, target: target.actorId, actors: remote.actors, count, tag });
  const ids = new Set(load.map((p) => p.id));
  const postsBefore = remote.posts.length;
  const accepts = (): RemoteHost['posts'] => remote.posts.slice(postsBefore).filter((p) => p.object !== undefined && ids.has(p.object));
  const cpuBefore = cpuTimeMs(target.pid);
  const { answeredAt, ...result } = await runInboxLoad(target.inbox, load, 16, maxSeconds);
  const cpuAfter = cpuTimeMs(target.pid);
  const acceptsDuringLoad = accepts().length;
  // The rest of the Accepts: until all came, none came for 3 s, or acceptWaitSeconds passed.
  const waitUntil = performance.now() + acceptWaitSeconds * 1000;
  let seen = acceptsDuringLoad;
  let lastNew = performance.now();
  while (seen < result.accepted && performance.now() < waitUntil && performance.now() - lastNew < 3000) {
    await sleep(20);
    const now = accepts().length;
    if (now > seen) lastNew = performance.now();
    seen = now;
  }
  const cpuDrained = cpuTimeMs(target.pid);
  const delays = accepts().flatMap((p) => {
    const answered = answeredAt.get(p.object ?? '');
    return answered === undefined ? [] : [p.at - answered];
  });
  const perActivity = (a: number | undefined, b: number | undefined): number | undefined =>
    a === undefined || b === undefined || result.accepted === 0 ? undefined : round((b - a) / result.accepted, 2);
  const out: InboxMeasure = { ...result, acceptsDuringLoad, acceptsDelivered: accepts().length };
  const during = perActivity(cpuBefore, cpuAfter);
  const withAccept = perActivity(cpuBefore, cpuDrained);
  if (during !== undefined) out.serverCpuMsPerActivity = during;
  if (withAccept !== undefined) out.serverCpuMsPerActivityWithAccept = withAccept;
  if (delays.length > 0) {
    out.acceptDelayP50Ms = round(percentile(delays, 50));
    out.acceptDelayP99Ms = round(percentile(delays, 99));
    out.acceptDelayMaxMs = round(Math.max(...delays));
  }
  return out;
}

/** How long the Accepts still queued after the load are waited for. */
const acceptWaitSeconds = 30;

export async function inboxBenchmark(ctx: BenchContext): Promise<BenchResult> {
  const started = Date.now();
  const count = ctx.size === 'tiny' ? 30 : 3000;
  const maxSeconds = ctx.size === 'tiny' ? 10 : 30;
  const remote = await startRemoteHost({ ip: '127.0.0.1', actors: ctx.size === 'tiny' ? 3 : 20, recordObjects: true });
  const figures: Record<string, unknown> = {
    count, concurrency: 16, activity: 'Follow (accepted: the Accept is queued for delivery)',
    loadGenerator: 'node:http keep-alive agent in the benchmark process, on the same cores as the server (its CPU: generatorCpuMsPerRequest)',
  };
  let hearth: InboxMeasure | undefined;
  let baseline: InboxMeasure | undefined;
  let baselineError: string | undefined;
  try {
    const dir = path.join(ctx.scratch, 'inbox-hearth');
    fs.mkdirSync(dir, { recursive: true });
    const server = await startHearth(ctx, dir);
    try {
      figures.idleRssMb = { server: server.idleRssMb, workers: server.workerRssMb };
      hearth = await measure(server, remote, count, maxSeconds, 'hearth');
      ctx.say(`inbox: hearth ${hearth.perSecond}/s p99 ${hearth.p99Ms} ms, server CPU ${hearth.serverCpuMsPerActivity ?? '?'} ms per activity (${hearth.serverCpuMsPerActivityWithAccept ?? '?'} with its Accept), generator ${hearth.generatorCpuMsPerRequest} ms; Accepts ${hearth.acceptsDelivered}/${hearth.accepted}, delay p99 ${hearth.acceptDelayP99Ms ?? '?'} ms`);
    } finally {
      await server.stop();
    }
    const bdir = path.join(ctx.scratch, 'inbox-apex');
    fs.mkdirSync(bdir, { recursive: true });
    try {
      const apex = await startBaseline(bdir);
      try {
        baseline = await measure(apex, remote, count, maxSeconds, 'apex');
        ctx.say(`inbox: apex ${baseline.perSecond}/s p99 ${baseline.p99Ms} ms, server CPU ${baseline.serverCpuMsPerActivity ?? '?'} ms per activity`);
      } finally {
        await apex.stop();
      }
    } catch (e) {
      baselineError = e instanceof Error ? e.message : String(e);
    }
  } finally {
    await remote.close();
  }
  figures.hearth = hearth;
  figures.baseline = baseline ?? { error: baselineError };
  const ratio = hearth && baseline && baseline.perSecond > 0 ? round(hearth.perSecond / baseline.perSecond, 2) : undefined;
  figures.ratio = ratio;
  return {
    name: 'inbox', ran: true, size: ctx.size, startedAt: new Date(started).toISOString(), durationMs: Date.now() - started, figures,
    rows: [
      {
        benchmark: '3 Inbox throughput', target: '≥ 1,500 signed activities/s, p99 ≤ 50 ms',
        measured: hearth ? `${hearth.perSecond}/s, p99 ${hearth.p99Ms} ms` : 'no result',
        met: hearth ? hearth.perSecond >= 1500 && hearth.p99Ms <= 50 && hearth.accepted === hearth.sent : false,
      },
      {
        benchmark: '3 Inbox vs stock apex', target: '≥ 5 × the baseline\'s rate',
        measured: ratio !== undefined ? `${ratio} ×` : 'no ratio',
        baseline: baseline ? `${baseline.perSecond}/s, p99 ${baseline.p99Ms} ms (${baseline.accepted}/${baseline.sent} accepted)` : `did not run: ${baselineError ?? 'unknown'}`,
        met: ratio !== undefined ? ratio >= 5 : null,
      },
    ],
  };
}
