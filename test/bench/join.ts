/**
 * Benchmark 2, join latency at the media layer of the project's room: from
 * the start of a listener's join (its transport created and connected, one
 * consumer per speaker) to the first RTP packet the worker sends on it (the
 * consumer's `rtp` trace event). Sequential joins, then a storm of
 * concurrent joins while earlier listeners keep listening (their loss is
 * compared before and during the storm). Signaling and the browser's
 * ICE/DTLS are not in these figures (SRTP plain transports, see sfu-rig.ts).
 */
import type { types } from 'mediasoup';
import { MediaWorkerPool, RoomMedia } from '../../media/index.js';
import { createLogger } from '../../server/core/logging/logger.js';
import { buildRig, pair, routerRoom, SRTP, startLoadWorker } from './sfu-rig.js';
import { percentile, round, sleep, type BenchContext, type BenchResult } from './types.js';

interface Joined {
  ms: number;
  close(): void;
}

async function joinOnce(router: types.Router, loadRouter: types.Router, producers: readonly string[], timeoutMs: number): Promise<Joined> {
  const t0 = performance.now();
  const out = await router.createPlainTransport(SRTP);
  const inn = await loadRouter.createPlainTransport(SRTP);
  await pair(out, inn);
  let resolveFirst: (at: number) => void = () => undefined;
  const first = new Promise<number>((resolve) => { resolveFirst = resolve; });
  for (const p of producers) {
    const consumer = await out.consume({ producerId: p, rtpCapabilities: router.rtpCapabilities });
    await consumer.enableTraceEvent(['rtp']);
    consumer.on('trace', (trace) => {
      if (trace.type !== 'rtp' || trace.direction !== 'out') return;
      resolveFirst(performance.now());
      // One event per packet would flood the worker's channel: the first is all we need.
      consumer.enableTraceEvent([]).catch(() => undefined);
    });
  }
  const timeout = sleep(timeoutMs).then(() => Number.NaN);
  const at = await Promise.race([first, timeout]);
  return { ms: at - t0, close: () => { out.close(); inn.close(); } };
}

export async function joinBenchmark(ctx: BenchContext): Promise<BenchResult> {
  const started = Date.now();
  const tiny = ctx.size === 'tiny';
  const sequential = tiny ? 5 : 100;
  const storm = tiny ? 10 : 500;
  const audience = tiny ? 5 : 100;
  const log = createLogger({ level: 'silent', logIpAddresses: false });
  const pool = new MediaWorkerPool({ size: 1, logLevel: 'warn', rtcMinPort: 20000, rtcMaxPort: 44999, log, webRtcServer: { listenIp: '127.0.0.1' } });
  await pool.start();
  const load = await startLoadWorker();
  try {
    const picked = pool.leastLoaded();
    if (!picked.ok) throw new Error(`no media worker: ${picked.error}`);
    const worker = picked.value;
    let router: types.Router | undefined;
    worker.observer.once('newrouter', (r: types.Router) => { router = r; });
    const room = await RoomMedia.create(worker, { listenIp: '127.0.0.1', webRtcServer: pool.webRtcServerOf(worker), log });
    if (!router) throw new Error('the room\'s router was not seen');
    const roomRouter = router;
    const rig = await buildRig(routerRoom(roomRouter, [worker]), load, 3, audience);
    const { loadRouter, producerIds: speakers } = rig;
    await sleep(500);
    const seq: number[] = [];
    // Each sequential joiner leaves again, so the room stays at its audience.
    for (let i = 0; i < sequential; i++) {
      const joined = await joinOnce(roomRouter, loadRouter, speakers, 5000);
      seq.push(joined.ms);
      joined.close();
    }
    // Loss of the existing audience: a quiet window, then the storm's window;
    // counters read while the speakers pause, so nothing is in flight.
    const snapshot = async (): Promise<{ packets: number; sent: number }> => {
      rig.pause();
      await sleep(300);
      const r = await rig.received();
      const sent = rig.sent();
      rig.resume();
      return { packets: r.packets, sent };
    };
    const q0 = await snapshot();
    await sleep(tiny ? 500 : 3000);
    const q1 = await snapshot();
    const tStorm = performance.now();
    const joined = await Promise.all(Array.from({ length: storm }, () => joinOnce(roomRouter, loadRouter, speakers, 10_000).catch(() => undefined)));
    const stormSeconds = (performance.now() - tStorm) / 1000;
    const q2 = await snapshot();
    for (const j of joined) j?.close();
    const stormMs = joined.map((j) => j?.ms ?? Number.NaN);
    const loss = (a: { packets: number; sent: number }, b: { packets: number; sent: number }): number =>
      (b.sent > a.sent ? Math.max(0, 1 - (b.packets - a.packets) / ((b.sent - a.sent) * audience)) * 100 : 0);
    const quietLoss = round(loss(q0, q1), 3);
    const stormLoss = round(loss(q1, q2), 3);
    rig.close();
    room.close();
    const ok = stormMs.filter((v) => Number.isFinite(v));
    const figures = {
      what: 'media layer only: plain SRTP transport + 3 consumers to the first RTP packet out; no signaling, no ICE/DTLS',
      sequential: { joins: sequential, p50Ms: round(percentile(seq, 50)), p99Ms: round(percentile(seq, 99)) },
      storm: { joins: storm, succeeded: ok.length, seconds: round(stormSeconds, 2), p50Ms: round(percentile(ok, 50)), p99Ms: round(percentile(ok, 99)) },
      audience: { listeners: audience, lossQuietPercent: quietLoss, lossDuringStormPercent: stormLoss },
    };
    ctx.say(`join: sequential p50 ${figures.sequential.p50Ms} ms p99 ${figures.sequential.p99Ms} ms; storm ${ok.length}/${storm} p99 ${figures.storm.p99Ms} ms`);
    return {
      name: 'join', ran: true, size: ctx.size, startedAt: new Date(started).toISOString(), durationMs: Date.now() - started, figures,
      rows: [
        {
          benchmark: '2 Join to first RTP', target: 'p50 ≤ 20 ms, p99 ≤ 60 ms',
          measured: `p50 ${figures.sequential.p50Ms} ms, p99 ${figures.sequential.p99Ms} ms`,
          met: figures.sequential.p50Ms <= 20 && figures.sequential.p99Ms <= 60, note: 'media layer only',
        },
        {
          benchmark: '2 Join storm', target: `${storm} joins in ≤ 10 s, all succeed, p99 ≤ 250 ms, no added loss`,
          measured: `${ok.length}/${storm} in ${figures.storm.seconds} s, p99 ${figures.storm.p99Ms} ms, audience loss ${quietLoss} % → ${stormLoss} %`,
          met: ok.length === storm && stormSeconds <= 10 && figures.storm.p99Ms <= 250 && stormLoss <= quietLoss + 0.1,
          note: 'media layer only; signaling storms are for the rooms rework',
        },
      ],
    };
  } finally {
    load.close();
    await pool.close();
  }
}
