/**
 * Benchmark 5, cascade (ADR 0030, 0044): real instances as processes over
 * HTTPS on loopback; the origin hosts a room whose host speaks from
 * Chromium (fake microphone), and 1 or 2 linked instances each get 1, 10
 * and 100 listeners (guests over signaling that join and consume the
 * speaker on their own instance). At each step:
 *
 * - the origin's egress per speaker, from its own mediasoup stats (a probe
 *   preloaded into the origin, media-probe.ts): cascade pipe consumers of the
 *   speaker's producer (streams), and the packets and bytes they sent against
 *   what the speaker's producer received (packets ratio = streams when each
 *   packet goes out once per link);
 * - the added latency of the hop: plain RTP listeners on the origin and on
 *   the first linked instance, consuming the same producer; a reader thread
 *   of the bench (hop-reader.ts) takes both on one clock and matches packets
 *   by RTP timestamp. Each sample carries how long the linked instance's
 *   mediasoup worker waited for a CPU meanwhile, so the tail is attributed
 *   (ADR 0050): late because the worker was runnable but not running, or
 *   late on the path itself.
 */
import path from 'node:path';
import { HAVE_CHROMIUM } from '../helpers/browser.js';
import type { TestClient } from '../helpers/http-client.js';
import { clusterClient, startInstances, type InstanceCluster, type TestInstance } from '../helpers/instances.js';
import { childPids, REPO_ROOT, waitFor } from '../helpers/server-process.js';
import type { SignalClient } from '../helpers/signal-client.js';
import { launchWebBrowser, type WebBrowser } from '../helpers/web-browser.js';
import { HopReader, type HopArrivals } from './hop-reader.js';
import { ask, createRoom, signalTo, signUp, speakInChromium } from './live-room.js';
import { mapLimit, percentile, round, sleep, type BenchContext, type BenchResult, type TargetRow } from './types.js';

const DIST = path.join(REPO_ROOT, 'dist', 'test');
const TARGET = 'egress per speaker = linked instances; ≤ 5 ms p99 per hop';

interface ProbeStats {
  producers: { id: string; transport: string; packets: number; bytes: number }[];
  pipes: { transportId: string; consumers: { producerId: string; packets: number; bytes: number }[] }[];
}

export interface CascadeStep {
  links: number;
  /** Listeners on each linked instance. */
  listenersPerLink: number;
  seconds: number;
  /** Cascade pipe consumers of the speaker's producer on the origin. */
  streams: number;
  speakerPacketsPerSecond: number;
  egressPacketsPerSecond: number;
  egressBytesPerSecond: number;
  /** Egress packets over the speaker's packets: the number of copies that left the origin. */
  packetsRatio: number;
  hopSamples: number;
  hopP50Ms: number;
  hopP99Ms: number;
  hopMaxMs: number;
  /** Samples over 1 ms. */
  hopLate: number;
  /**
   * Of those, the ones during which the linked instance's worker waited for
   * a CPU (run queue, /proc schedstat) at least half their delay; null where
   * the wait cannot be read (not Linux).
   */
  hopLateWhileWorkerWaited: number | null;
  /** The linked worker's total run-queue wait in the window (ms); null where unreadable. */
  linkedWorkerWaitMs: number | null;
  /** p99 of the samples during which the linked worker waited less than 0.5 ms for a CPU: the path with the CPU free. */
  hopP99WorkerRunningMs: number | null;
}

/** Samples over this are "late" (ms). */
const LATE_MS = 1;

async function probeOf(instance: TestInstance): Promise<string> {
  const line = await instance.proc.waitForLog((l) => l.msg === 'bench media probe', 30_000);
  return `http://127.0.0.1:${String(line.port)}`;
}

async function readStats(probe: string): Promise<ProbeStats> {
  const res = await fetch(`${probe}/stats`);
  if (!res.ok) throw new Error(`probe stats: ${res.status}`);
  return (await res.json()) as ProbeStats;
}

async function listenOn(probe: string, producerId: string, port: number): Promise<void> {
  const res = await fetch(`${probe}/listen`, { method: 'POST', body: JSON.stringify({ producerId, port }) });
  if (!res.ok) throw new Error(`probe listen: ${res.status} ${await res.text()}`);
}

/** A guest joins the remote room on its own instance and consumes the speaker there. */
async function addListener(cluster: InstanceCluster, base: string, roomUrl: string, producerId: string): Promise<SignalClient> {
  const s = await signalTo(cluster, base);
  const joined = await ask(s, 'join', { roomId: roomUrl });
  const grant = (joined.grant as { token: string }).token;
  await waitFor(async () => {
    const listed = await ask(s, 'listProducers', { grant });
    return (listed.producers as { producerId: string }[]).some((p) => p.producerId === producerId);
  }, 10_000, 'the speaker piped into the linked instance');
  const recv = await ask(s, 'createTransport', { grant, direction: 'recv' });
  await ask(s, 'consume', { grant, transportId: recv.id, producerId, rtpCapabilities: joined.routerRtpCapabilities });
  return s;
}

/** Where the late samples came from: the linked worker waiting for a CPU, or not. */
function tailNote(results: readonly CascadeStep[]): string {
  const late = results.reduce((n, r) => n + r.hopLate, 0);
  const samples = results.reduce((n, r) => n + r.hopSamples, 0);
  if (results.some((r) => r.hopLateWhileWorkerWaited === null)) return `${late} of ${samples} samples over ${LATE_MS} ms (the linked worker's CPU wait is not readable here)`;
  const waited = results.reduce((n, r) => n + (r.hopLateWhileWorkerWaited ?? 0), 0);
  const free = Math.max(...results.map((r) => r.hopP99WorkerRunningMs ?? Number.NaN));
  return `${late} of ${samples} samples over ${LATE_MS} ms, ${waited} of them while the linked worker was runnable but waiting for a CPU; ` +
    `p99 of the samples without such a wait: ${free} ms (worst step)`;
}

function notRun(ctx: BenchContext, started: number, reason: string): BenchResult {
  return {
    name: 'cascade', ran: false, reason, size: ctx.size, startedAt: new Date(started).toISOString(), durationMs: Date.now() - started, figures: {},
    rows: [{ benchmark: '5 Cascade', target: TARGET, measured: 'cannot run here', met: null, note: reason }],
  };
}

export async function cascadeBenchmark(ctx: BenchContext): Promise<BenchResult> {
  const started = Date.now();
  if (!HAVE_CHROMIUM) return notRun(ctx, started, 'no /usr/bin/chromium for the speaker (headless Chromium with a fake microphone)');
  const tiny = ctx.size === 'tiny';
  const linkCounts = tiny ? [1] : [1, 2];
  const steps = tiny ? [1, 2] : [1, 10, 100];
  // 12 s windows: 600 samples per step, so a step's p99 is its 6th-worst sample, not its 3rd (ADR 0050).
  const windowS = tiny ? 1 : 12;
  const results: CascadeStep[] = [];
  for (const links of linkCounts) results.push(...(await runCluster(ctx, links, steps, windowS)));

  const streamsOk = results.every((r) => r.streams === r.links);
  const ratioOk = results.every((r) => Math.abs(r.packetsRatio - r.links) <= 0.05 * r.links);
  const worstP99 = Math.max(...results.map((r) => r.hopP99Ms));
  const describe = (r: CascadeStep): string => `${r.links} link${r.links > 1 ? 's' : ''} × ${r.listenersPerLink}: ${r.streams} streams, ${r.packetsRatio} ×`;
  const rows: TargetRow[] = [
    {
      benchmark: '5 Cascade egress per speaker', target: 'streams and packets out = linked instances, whatever the listeners',
      measured: results.map(describe).join('; '),
      met: streamsOk && ratioOk,
      note: 'origin\'s mediasoup stats: pipe consumers, their packets over the speaker\'s',
    },
    {
      benchmark: '5 Cascade latency per hop', target: '≤ 5 ms p99 (loopback)',
      measured: `p50 ${Math.max(...results.map((r) => r.hopP50Ms))} ms, p99 ${worstP99} ms (worst of ${results.length} steps, ${Math.min(...results.map((r) => r.hopSamples))}+ samples each)`,
      met: Number.isFinite(worstP99) && worstP99 <= 5,
      note: `plain RTP listeners on origin and linked instance, matched by RTP timestamp in a reader thread; ${tailNote(results)}`,
    },
  ];
  return {
    name: 'cascade', ran: true, size: ctx.size, startedAt: new Date(started).toISOString(), durationMs: Date.now() - started,
    figures: {
      what: 'instances as processes over HTTPS on loopback; speaker: the host in headless Chromium (fake microphone, Opus); ' +
        'listeners: guests joining over signaling on the linked instances (their WebRTC transports are not connected: the origin\'s egress does not depend on them); ' +
        'hop latency: arrival on a plain RTP listener of the first linked instance minus arrival on one of the origin, read by one reader thread (same clock); ' +
        'each sample also carries the linked worker\'s run-queue wait (/proc/<pid>/schedstat) since the previous packet: a late sample with a wait of at least half its delay is counted as waiting for a CPU; no warm-up is discarded',
      windowSeconds: windowS, steps: results,
    },
    rows,
  };
}

async function runCluster(ctx: BenchContext, links: number, steps: readonly number[], windowS: number): Promise<CascadeStep[]> {
  const names = ['a', 'b', 'c', 'd'].slice(0, links + 1);
  const cluster = await startInstances(names, {
    env: {
      NODE_OPTIONS: `--import=${path.join(DIST, 'helpers', 'test-resolver.js')} --import=${path.join(DIST, 'bench', 'media-probe.js')}`,
      BENCH_MEDIA_PROBE: '1',
      HEARTH_LOG_LEVEL: 'info',
      // Every guest connects from one loopback address.
      HEARTH_CONNECTIONS_PER_ADDRESS: '1000', HEARTH_MEDIA_TRANSPORTS_PER_ADDRESS: '1000',
    },
  });
  const signals: SignalClient[] = [];
  let reader: HopReader | undefined;
  let web: WebBrowser | undefined;
  try {
    const [origin, ...linked] = cluster.instances as [TestInstance, ...TestInstance[]];
    const probes = await Promise.all(cluster.instances.map(probeOf));
    const hostClient = clusterClient(cluster);
    const owl = await signUp(hostClient, origin.url, 'host', 'owl');
    // A persona of each linked instance follows the host, so the instance learns of the room.
    const fans = await Promise.all(linked.map(async (inst, i) => {
      const fan: TestClient = clusterClient(cluster);
      await signUp(fan, inst.url, `fan${i}`, `fan${i}`);
      const followed = await fan.post(`${inst.url}/api/v1/personas/fan${i}/follow`, { target: owl });
      if (followed.status !== 200) throw new Error(`follow: ${followed.status} ${followed.text}`);
      await waitFor(async () => (await fan.get<{ following: string[] }>(`${inst.url}/api/v1/personas/fan${i}/export`)).body.following?.includes(owl), 15_000, 'the follow accepted');
      return fan;
    }));
    const room = await createRoom(hostClient, origin.url, 'Cascade bench');
    await Promise.all(linked.map((inst, i) => waitFor(async () => (await fans[i]!.get<{ rooms: { id: string }[] }>(`${inst.url}/api/v1/rooms`)).body.rooms?.some((r) => r.id === room.url), 15_000, 'the room known on the linked instance')));

    web = await launchWebBrowser(origin.url, cluster.hosts);
    await speakInChromium(web, hostClient, origin.url, room.id);
    const speaker = await waitFor(async () => (await readStats(probes[0]!)).producers.find((p) => p.transport === 'WebRtcTransport' && p.packets > 0), 10_000, 'the speaker\'s producer on the origin');
    ctx.say(`cascade: ${links} linked, speaker producing`);

    const out: CascadeStep[] = [];
    let perLink = 0;
    for (const target of steps) {
      await Promise.all(linked.map(async (inst) => {
        const added = await mapLimit(Array.from({ length: target - perLink }), 10, () => addListener(cluster, inst.url, room.url, speaker.id));
        signals.push(...added);
      }));
      perLink = target;
      await waitFor(async () => {
        const s = await readStats(probes[0]!);
        return s.pipes.flatMap((p) => p.consumers).filter((c) => c.producerId === speaker.id).length >= links;
      }, 10_000, 'the speaker piped to every linked instance');
      if (!reader) {
        // The first linked instance's mediasoup worker (one per instance here).
        reader = await HopReader.open(childPids(linked[0]!.proc.child.pid ?? -1)[0]);
        await listenOn(probes[0]!, speaker.id, reader.originPort);
        await listenOn(probes[1]!, speaker.id, reader.linkedPort);
        await sleep(300);
      }
      await reader.start();
      const s0 = await readStats(probes[0]!);
      const t0 = performance.now();
      await sleep(windowS * 1000);
      const s1 = await readStats(probes[0]!);
      const seconds = (performance.now() - t0) / 1000;
      out.push(step(links, perLink, seconds, speaker.id, s0, s1, await reader.collect()));
      const last = out.at(-1)!;
      ctx.say(`cascade: ${links} linked × ${perLink} listeners: ${last.streams} streams, ${last.packetsRatio} × the speaker's packets, hop p99 ${last.hopP99Ms} ms over ${last.hopSamples}, ${last.hopLate} over ${LATE_MS} ms (${String(last.hopLateWhileWorkerWaited)} while the linked worker waited for a CPU)`);
    }
    return out;
  } finally {
    for (const s of signals) s.close();
    await reader?.close();
    await web?.close();
    await cluster.stop();
  }
}

function step(links: number, perLink: number, seconds: number, producerId: string, s0: ProbeStats, s1: ProbeStats, arrivals: HopArrivals): CascadeStep {
  const produced = (s: ProbeStats): number => s.producers.find((p) => p.id === producerId)?.packets ?? 0;
  const pipe = (s: ProbeStats): { packets: number; bytes: number; streams: number } => {
    const mine = s.pipes.flatMap((p) => p.consumers).filter((c) => c.producerId === producerId);
    return { packets: mine.reduce((n, c) => n + c.packets, 0), bytes: mine.reduce((n, c) => n + c.bytes, 0), streams: mine.length };
  };
  const [p0, p1] = [pipe(s0), pipe(s1)];
  const speakerPackets = produced(s1) - produced(s0);
  const origin = new Map(arrivals.origin);
  const samples: { hop: number; wait: number | null }[] = [];
  for (const [ts, at, wait] of arrivals.linked) {
    const first = origin.get(ts);
    if (first !== undefined) samples.push({ hop: at - first, wait });
  }
  const hops = samples.map((x) => x.hop);
  const late = samples.filter((x) => x.hop > LATE_MS);
  const waits = samples.map((x) => x.wait);
  const known = waits.every((w) => w !== null);
  const running = samples.filter((x) => x.wait !== null && x.wait < 0.5).map((x) => x.hop);
  return {
    links, listenersPerLink: perLink, seconds: round(seconds, 2), streams: p1.streams,
    speakerPacketsPerSecond: round(speakerPackets / seconds, 1),
    egressPacketsPerSecond: round((p1.packets - p0.packets) / seconds, 1),
    egressBytesPerSecond: round((p1.bytes - p0.bytes) / seconds, 0),
    packetsRatio: speakerPackets > 0 ? round((p1.packets - p0.packets) / speakerPackets, 3) : Number.NaN,
    hopSamples: hops.length, hopP50Ms: round(percentile(hops, 50), 2), hopP99Ms: round(percentile(hops, 99), 2),
    hopMaxMs: round(Math.max(...hops), 2), hopLate: late.length,
    hopLateWhileWorkerWaited: known ? late.filter((x) => (x.wait ?? 0) >= x.hop / 2).length : null,
    linkedWorkerWaitMs: known ? round(waits.reduce<number>((n, w) => n + (w ?? 0), 0), 1) : null,
    hopP99WorkerRunningMs: known && running.length > 0 ? round(percentile(running, 99), 2) : null,
  };
}
