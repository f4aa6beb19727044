import type { SfuPoint } from './sfu-point.js';
/**
 * Benchmark 1, SFU forwarding (and the per-listener part of benchmark 6):
 * worker CPU µs per forwarded packet from the room workers' own resource
 * usage, loss and jitter at the listeners, for growing audiences, the room
 * spread over two workers (ADR 0040); the same load through bare mediasoup
 * of the same version and worker binary, spread the same way by hand, in the
 * same run. See sfu-rig.ts for the load generator.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as mediasoup from 'mediasoup';
import type { types } from 'mediasoup';
import { AUDIO_MEDIA_CODECS, MediaWorkerPool, RoomMediaRegistry } from '../../media/index.js';
import { createLogger } from '../../server/core/logging/logger.js';
import { sfuChart } from './chart.js';
import { rssBytes } from './machine.js';
import { buildRig, measureWindow, must, roomMediaRoom, SRTP, startLoadWorker, windowFigures, type RoomUnderTest } from './sfu-rig.js';
import { webRtcSeries, type WebRtcPoint, type WebRtcSeries } from './sfu-webrtc.js';
import { round, sleep, type BenchContext, type BenchResult, type TargetRow } from './types.js';

const SPEAKERS = 3;
const PORTS = { rtcMinPort: 20000, rtcMaxPort: 44999 };

export type { SfuPoint } from './sfu-point.js';

/** Workers the room spreads over: both cores of the reference machine. */
const ROOM_WORKERS = 2;
/**
 * The project's spread threshold for the benchmark: one listener's worth of
 * consumers, so listeners alternate between the routers from the start (the
 * production default, 500, spreads a room only once it is large).
 */
const SPREAD_CONSUMERS = SPEAKERS;

/**
 * The project's room: its worker pool (WebRtcServer per worker) and a
 * RoomMedia from its registry, which places each peer on a router of the
 * room and pipes every speaker to every router; `workers: 1` is the layout
 * before rooms spread (one router on one worker).
 */
export async function hearthRoom(workers = ROOM_WORKERS): Promise<RoomUnderTest> {
  const log = createLogger({ level: 'silent', logIpAddresses: false });
  const pool = new MediaWorkerPool({ size: workers, logLevel: 'warn', ...PORTS, log, webRtcServer: { listenIp: '127.0.0.1' } });
  await pool.start();
  const registry = new RoomMediaRegistry(pool, { listenIp: '127.0.0.1', log, caps: { transports: 2, producers: 1, consumers: 100 }, spreadConsumersPerRouter: SPREAD_CONSUMERS });
  const got = await registry.getOrCreate('bench-room');
  if (!got.ok) throw new Error(`no media worker: ${got.error}`);
  const room = got.value.media;
  return {
    ...roomMediaRoom(room, pool.liveWorkers(), async () => { room.close(); await pool.close(); }),
    async webRtcTransport(peerId) {
      const info = must(await room.createTransport(peerId), 'WebRTC transport');
      return {
        ...info,
        connect: async (dtlsParameters) => { must(await room.connectTransport(peerId, info.id, dtlsParameters), 'connect'); },
        consume: async (producerId) => must(await room.consume(peerId, info.id, producerId, room.rtpCapabilities, { paused: false }), 'consume').rtpParameters,
      };
    },
  };
}

/**
 * Bare mediasoup of the same version, worker binary and codecs, spread over
 * the same number of workers by hand: speakers on the first router, piped
 * once to each other one; listeners take the routers in turn.
 */
async function bareRoom(workers = ROOM_WORKERS): Promise<RoomUnderTest> {
  const all: types.Worker[] = [];
  const routers: types.Router[] = [];
  const servers = new Map<types.Router, types.WebRtcServer>();
  for (let i = 0; i < workers; i++) {
    // The whole range for every worker, as the project's pool has (a socket takes a port only if it is free):
    // 1,000 ports each ran out at 2,000 listeners.
    const worker = await mediasoup.createWorker({ logLevel: 'warn', ...PORTS });
    all.push(worker);
    const router = await worker.createRouter({ mediaCodecs: AUDIO_MEDIA_CODECS });
    routers.push(router);
    // One UDP port per worker for its WebRTC transports, as the project's pool has.
    servers.set(router, await worker.createWebRtcServer({ listenInfos: [{ protocol: 'udp', ip: '127.0.0.1' }] }));
  }
  const home = new Map<string, types.Router>();
  let turn = 0;
  const first = routers[0]!;
  return {
    workers: all,
    rtpCapabilities: first.rtpCapabilities,
    async transport(peerId, role) {
      const router = role === 'speaker' ? first : routers[turn++ % routers.length]!;
      const t = await router.createPlainTransport(SRTP);
      home.set(t.id, router);
      return t;
    },
    async produce(_peerId, t, rtpParameters) {
      const producer = await t.produce({ kind: 'audio', rtpParameters });
      for (const other of routers.slice(1)) await first.pipeToRouter({ producerId: producer.id, router: other, enableSctp: false });
      return producer.id;
    },
    async consume(_peerId, t, producerId) {
      const consumer = await t.consume({ producerId, rtpCapabilities: (home.get(t.id) ?? first).rtpCapabilities });
      return consumer.rtpParameters;
    },
    routers: () => routers.length,
    async webRtcTransport() {
      const router = routers[turn++ % routers.length]!;
      const t = await router.createWebRtcTransport({ webRtcServer: servers.get(router)!, enableUdp: true });
      return {
        iceParameters: t.iceParameters, iceCandidates: t.iceCandidates, dtlsParameters: t.dtlsParameters,
        connect: (dtlsParameters) => t.connect({ dtlsParameters }),
        consume: async (producerId) => (await t.consume({ producerId, rtpCapabilities: router.rtpCapabilities })).rtpParameters,
      };
    },
    close: () => { for (const w of all) w.close(); return Promise.resolve(); },
  };
}

/** One point: `workers` is the number of workers the room spreads over (1: the layout before rooms spread). */
export async function measurePoint(variant: SfuPoint['variant'], load: types.Worker, listeners: number, windowS: number, onRoom: (room: RoomUnderTest) => void, workers = ROOM_WORKERS): Promise<SfuPoint> {
  const room = variant === 'hearth' ? await hearthRoom(workers) : await bareRoom(workers);
  onRoom(room);
  const rss = (): number => room.workers.reduce((sum, w) => sum + (rssBytes(w.pid) ?? 0), 0);
  const idleRss = rss();
  const rig = await buildRig(room, load, SPEAKERS, listeners);
  try {
    await sleep(1000); // transports settle, first RTCP
    const w = await measureWindow(rig, room.workers, windowS, () => rig.received());
    return {
      variant, listeners, consumers: listeners * SPEAKERS, routers: room.routers(),
      ...windowFigures(w, listeners, w.after.packets - w.before.packets),
      jitterMs: round(w.after.jitterMs, 2),
      workerRssMb: round(rss() / 2 ** 20, 1),
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
          // A point that fails ends the sweep with its reason; the points before it stand.
          stoppedBy ??= `${variant} at ${n} listeners failed: ${e instanceof Error ? e.message : String(e)}`;
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
  // The same room with real WebRTC listeners, at the audiences their load generator sustains.
  const webLoad = await startLoadWorker();
  let webrtc: WebRtcSeries;
  try {
    webrtc = await webRtcSeries(ctx, webLoad, (v) => (v === 'hearth' ? hearthRoom() : bareRoom()), SPEAKERS);
  } finally {
    webLoad.close();
  }
  const chart = sfuChart(points, webrtc.points);
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
      placement: `one room spread over ${ROOM_WORKERS} workers: the project places listeners on the least-loaded router of the room (spread threshold ${SPREAD_CONSUMERS} consumers) and pipes each speaker once to every router; the bare baseline spreads the same way by hand`,
      speakers: SPEAKERS, windowSeconds: windowS, points, cpuRatio: ratio, capacity: { hearth: capH, bare: capB },
      workerRssPerListenerKb: perListenerKb,
      webrtc: { loadGenerator: 'WebRTC peers of @roamhq/wrtc (libwebrtc) in child processes on the same machine: ICE-lite, DTLS-SRTP, Opus decoded', ...webrtc },
    },
    rows: [
      {
        benchmark: '1 SFU CPU per forwarded packet', target: '≤ 1.10 × bare mediasoup',
        measured: pair ? `${pair[0].cpuUsPerPacket} µs at ${pair[0].listeners} listeners (${ratio} ×)` : 'no unsaturated point',
        baseline: pair?.[1] ? `${pair[1].cpuUsPerPacket} µs` : undefined,
        met: ratio !== undefined ? ratio <= 1.1 : false,
        note: 'SRTP plain-transport listeners: the capacity series',
      },
      {
        benchmark: '1 SFU capacity at ≤ 0.5 % loss', target: '≥ 1,000 listeners, or ≥ 0.9 × bare capacity',
        measured: `${capH} listeners`, baseline: `${capB} listeners`,
        met: capH >= 1000 || (capB > 0 && capH >= 0.9 * capB),
        note: `SRTP plain-transport listeners; the room spread over ${ROOM_WORKERS} workers; load generator on the same cores${stoppedBy ? `; sweep stopped: ${stoppedBy}` : ''}`,
      },
      webRtcRow(webrtc),
    ],
  };
}

/** The summary row of the WebRTC series: CPU per packet against bare mediasoup at the largest audience both held at ≤ 0.5 % loss. */
function webRtcRow(series: WebRtcSeries): TargetRow {
  const benchmark = '1 SFU CPU per forwarded packet, WebRTC DTLS-SRTP listeners (@roamhq/wrtc)';
  const target = '≤ 1.10 × bare mediasoup';
  if (series.unavailable) return { benchmark, target, measured: `WebRTC listeners: not used because ${series.unavailable}`, met: null };
  const ok = (p: WebRtcPoint): boolean => p.lossPercent <= 0.5 && p.connected === p.listeners;
  const hearth = series.points.filter((p) => p.variant === 'hearth');
  const pair = hearth.filter(ok).map((h) => [h, series.points.find((b) => b.variant === 'bare' && b.listeners === h.listeners)] as const)
    .filter((x): x is readonly [WebRtcPoint, WebRtcPoint] => x[1] !== undefined && ok(x[1])).at(-1);
  if (!pair) return { benchmark, target, measured: 'no point with every listener connected and ≤ 0.5 % loss', met: false, note: series.stoppedBy };
  const [h, b] = pair;
  const ratio = round(h.cpuUsPerPacket / b.cpuUsPerPacket, 3);
  return {
    benchmark, target,
    measured: `${h.cpuUsPerPacket} µs at ${h.listeners} listeners (${ratio} ×), loss ${h.lossPercent} %, jitter ${h.jitterMs} ms`,
    baseline: `${b.cpuUsPerPacket} µs, loss ${b.lossPercent} %, jitter ${b.jitterMs} ms`,
    met: ratio <= 1.1,
    note: `real WebRTC peers, ${series.listenersPerProcess} per process, ${h.listenerCpuLoad} cores of their own at ${h.listeners}; ${series.stoppedBy ? `stopped: ${series.stoppedBy}` : 'every size ran'}`,
  };
}
