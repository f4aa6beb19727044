import type { SfuPoint } from './sfu-point.js';
/**
 * Benchmark 1, SFU forwarding (and the per-listener part of benchmark 6):
 * worker CPU µs per forwarded packet from the room worker's own resource
 * usage, loss and jitter at the listeners, for growing audiences; the same
 * load through a bare mediasoup router of the same version and worker binary
 * in the same run. See sfu-rig.ts for the load generator.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as mediasoup from 'mediasoup';
import type { types } from 'mediasoup';
import { AUDIO_MEDIA_CODECS, MediaWorkerPool, RoomMedia } from '../../media/index.js';
import { createLogger } from '../../server/core/logging/logger.js';
import { sfuChart } from './chart.js';
import { rssBytes } from './machine.js';
import { buildRig, startLoadWorker, workersCpuMs, type RoomUnderTest } from './sfu-rig.js';
import { round, sleep, type BenchContext, type BenchResult } from './types.js';

const SPEAKERS = 3;
const PORTS = { rtcMinPort: 20000, rtcMaxPort: 44999 };

export type { SfuPoint } from './sfu-point.js';

/** The project's room: its worker pool (WebRtcServer per worker) and RoomMedia (router + audio-level observer). */
async function hearthRoom(): Promise<RoomUnderTest & { observer: types.AudioLevelObserver }> {
  const log = createLogger({ level: 'silent', logIpAddresses: false });
  const pool = new MediaWorkerPool({ size: 1, logLevel: 'warn', ...PORTS, log, webRtcServer: { listenIp: '127.0.0.1' } });
  await pool.start();
  const picked = pool.leastLoaded();
  if (!picked.ok) throw new Error(`no media worker: ${picked.error}`);
  const worker = picked.value;
  let router: types.Router | undefined;
  let observer: types.AudioLevelObserver | undefined;
  worker.observer.once('newrouter', (r: types.Router) => {
    router = r;
    r.observer.once('newrtpobserver', (o: types.RtpObserver) => { observer = o as types.AudioLevelObserver; });
  });
  const room = await RoomMedia.create(worker, { listenIp: '127.0.0.1', webRtcServer: pool.webRtcServerOf(worker), log });
  if (!router || !observer) throw new Error('the room\'s router was not seen');
  return { router, observer, workers: [worker], close: async () => { room.close(); await pool.close(); } };
}

/** A bare mediasoup worker and router, same version, same worker binary, same codecs. */
async function bareRoom(): Promise<RoomUnderTest> {
  const worker = await mediasoup.createWorker({ logLevel: 'warn', ...PORTS });
  const router = await worker.createRouter({ mediaCodecs: AUDIO_MEDIA_CODECS });
  return { router, workers: [worker], close: () => { worker.close(); return Promise.resolve(); } };
}

async function measurePoint(variant: SfuPoint['variant'], load: types.Worker, listeners: number, windowS: number, onRoom: (room: RoomUnderTest) => void): Promise<SfuPoint> {
  const room = variant === 'hearth' ? await hearthRoom() : await bareRoom();
  onRoom(room);
  const pid = room.workers[0]?.pid ?? 0;
  const idleRss = rssBytes(pid) ?? 0;
  const rig = await buildRig(room, load, SPEAKERS, listeners, 'observer' in room ? (room as { observer: types.AudioLevelObserver }).observer : undefined);
  try {
    await sleep(1000); // transports settle, first RTCP
    // Counters are read while the speakers pause, so nothing is in flight.
    rig.pause();
    await sleep(300);
    const r0 = await rig.received();
    const sentA = rig.sent();
    rig.resume();
    await sleep(200);
    const cpu0 = await workersCpuMs(room.workers);
    const sent0 = rig.sent();
    const t0 = performance.now();
    await sleep(windowS * 1000);
    const cpu1 = await workersCpuMs(room.workers);
    const sent1 = rig.sent();
    const seconds = (performance.now() - t0) / 1000;
    rig.pause();
    await sleep(300);
    const r1 = await rig.received();
    const sentB = rig.sent();
    const expected = (sentB - sentA) * listeners;
    const loss = expected > 0 ? Math.max(0, 1 - (r1.packets - r0.packets) / expected) : Number.NaN;
    // Forwarded in the CPU window: what the speakers sent then, to every listener, less the loss.
    const forwarded = (sent1 - sent0) * listeners * (1 - (Number.isFinite(loss) ? loss : 0));
    const cpuMs = cpu1 - cpu0;
    return {
      variant, listeners, consumers: listeners * SPEAKERS, seconds: round(seconds, 2),
      forwardedPerSecond: round(forwarded / seconds, 0),
      cpuUsPerPacket: forwarded > 0 ? round((cpuMs * 1000) / forwarded, 2) : Number.NaN,
      cpuLoad: round(cpuMs / 1000 / seconds, 3),
      lossPercent: round(loss * 100, 3),
      jitterMs: round(r1.jitterMs, 2),
      workerRssMb: round((rssBytes(pid) ?? 0) / 2 ** 20, 1),
      workerIdleRssMb: round(idleRss / 2 ** 20, 1),
    };
  } finally {
    rig.close();
    await room.close();
  }
}

export async function sfuBenchmark(ctx: BenchContext): Promise<BenchResult> {
  const started = Date.now();
  const tiny = ctx.size === 'tiny';
  const windowS = tiny ? 1 : 8;
  const budgetMs = tiny ? 30_000 : 6 * 60_000;
  const sizes = tiny ? [4] : [100, 500, 1000, 1500, 2000, 3000];
  const load = await startLoadWorker();
  const points: SfuPoint[] = [];
  let stoppedBy: string | undefined;
  try {
    sweep: for (const n of sizes) {
      if (Date.now() - started > budgetMs) break;
      for (const variant of ['bare', 'hearth'] as const) {
        // A point that overruns its bound closes its workers: pending requests fail and the sweep stops there.
        let room: RoomUnderTest | undefined;
        const boundMs = 30_000 + n * 60;
        const watchdog = setTimeout(() => {
          stoppedBy = `${variant} at ${n} listeners did not finish within ${Math.round(boundMs / 1000)} s (load generator and room saturated)`;
          for (const w of room?.workers ?? []) w.close();
          load.close();
        }, boundMs);
        let p: SfuPoint;
        try {
          p = await measurePoint(variant, load, n, windowS, (r) => { room = r; });
        } catch (e) {
          if (!stoppedBy) throw e;
          ctx.say(`sfu: ${stoppedBy}`);
          break sweep;
        } finally {
          clearTimeout(watchdog);
        }
        points.push(p);
        ctx.say(`sfu: ${variant} ${n} listeners: ${p.cpuUsPerPacket} µs/packet, load ${p.cpuLoad}, loss ${p.lossPercent}%`);
      }
      const h = points.at(-1);
      if (!tiny && h && n >= 1000 && h.lossPercent > 0.5) break;
    }
  } finally {
    load.close();
  }
  const chart = sfuChart(points);
  fs.writeFileSync(path.join(ctx.outDir, 'sfu.svg'), chart);

  const hearth = points.filter((p) => p.variant === 'hearth');
  const bare = points.filter((p) => p.variant === 'bare');
  // CPU per packet compared where the worker is not saturated (loss ≤ 0.5 %).
  const ok = (p: SfuPoint): boolean => p.lossPercent <= 0.5;
  const pair = hearth.filter(ok).map((h) => [h, bare.find((b) => b.listeners === h.listeners)] as const).filter(([, b]) => b && ok(b)).at(-1);
  const ratio = pair && pair[1] ? round(pair[0].cpuUsPerPacket / pair[1].cpuUsPerPacket, 3) : undefined;
  const capacity = (list: SfuPoint[]): number => Math.max(0, ...list.filter(ok).map((p) => p.listeners));
  const capH = capacity(hearth);
  const capB = capacity(bare);
  const big = hearth.filter((p) => p.listeners >= 1000).at(0) ?? hearth.at(-1);
  const perListenerKb = big ? round(((big.workerRssMb - big.workerIdleRssMb) * 1024) / big.listeners, 1) : undefined;
  return {
    name: 'sfu', ran: true, size: ctx.size, startedAt: new Date(started).toISOString(), durationMs: Date.now() - started,
    figures: {
      stoppedBy,
      loadGenerator: 'SRTP plain transports (AES_CM_128_HMAC_SHA1_80) in a separate mediasoup worker on the same machine, not WebRTC peers',
      placement: 'one room = one router on one worker (the project today); the bare baseline likewise',
      speakers: SPEAKERS, windowSeconds: windowS, points, cpuRatio: ratio, capacity: { hearth: capH, bare: capB },
      workerRssPerListenerKb: perListenerKb,
    },
    rows: [
      {
        benchmark: '1 SFU CPU per forwarded packet', target: '≤ 1.10 × bare mediasoup',
        measured: pair ? `${pair[0].cpuUsPerPacket} µs at ${pair[0].listeners} listeners (${ratio} ×)` : 'no unsaturated point',
        baseline: pair?.[1] ? `${pair[1].cpuUsPerPacket} µs` : undefined,
        met: ratio !== undefined ? ratio <= 1.1 : false,
        note: 'SRTP plain-transport listeners as load generator',
      },
      {
        benchmark: '1 SFU capacity at ≤ 0.5 % loss', target: '≥ 1,000 listeners, or ≥ 0.9 × bare capacity',
        measured: `${capH} listeners`, baseline: `${capB} listeners`,
        met: capH >= 1000 || (capB > 0 && capH >= 0.9 * capB),
        note: 'one worker per room; load generator on the same 2 cores',
      },
    ],
  };
}
