/**
 * The SFU benchmark's WebRTC series: the same room and speakers as the
 * capacity series (sfu.ts), but every listener is a real WebRTC peer
 * (@roamhq/wrtc, libwebrtc M106, in child processes: webrtc-host.ts) on a
 * WebRTC transport of the room: ICE-lite, DTLS, SRTP, Opus decoded, as a
 * browser receives it. Each listener costs the load generator far more CPU
 * than an SRTP plain transport (ADR 0048), so this series stops at a few
 * hundred listeners; the plain-transport series remains the capacity one.
 */
import os from 'node:os';
import type { SfuPoint } from './sfu-point.js';
import { buildRig, workersCpuMs, type RoomUnderTest } from './sfu-rig.js';
import { mapLimit, round, sleep, type BenchContext } from './types.js';
import { WebRtcListenerHosts } from './webrtc-listeners.js';
import { answerDtls, receiveOffer } from './webrtc-sdp.js';

/** A point of the WebRTC series: the room's figures, and what the listener processes themselves cost. */
export interface WebRtcPoint extends SfuPoint {
  /** Listeners whose peer connection reached `connected`. */
  connected: number;
  /** Cores' worth of CPU the listener processes used while measured (the load generator, not the room). */
  listenerCpuLoad: number;
}

export interface WebRtcSeries {
  /** Set when the series could not run at all: the measured reason. */
  unavailable?: string;
  /** Why the sweep stopped before its last size, if it did. */
  stoppedBy?: string;
  processes: number;
  points: WebRtcPoint[];
}

type MakeRoom = (variant: SfuPoint['variant']) => Promise<RoomUnderTest>;

/** One point: `listeners` WebRTC peers on a fresh room, `speakers` speakers through the rig's load worker. */
async function measure(variant: SfuPoint['variant'], room: RoomUnderTest, hosts: WebRtcListenerHosts, load: Parameters<typeof buildRig>[1], speakers: number, listeners: number, windowS: number): Promise<WebRtcPoint> {
  const open = room.webRtcTransport;
  if (!open) throw new Error('this room cannot open WebRTC transports');
  const rig = await buildRig(room, load, speakers, 0);
  try {
    await mapLimit(Array.from({ length: listeners }, (_, i) => i), 8, async (i) => {
      const t = await open.call(room, `listener-${i}`);
      const rtp = [];
      for (const p of rig.producerIds) rtp.push(await t.consume(p));
      const answer = await hosts.open(receiveOffer(t, rtp));
      await t.connect(answerDtls(answer));
    });
    const deadline = Date.now() + 10_000 + listeners * 20;
    while ((await hosts.stats()).connected < listeners && Date.now() < deadline) await sleep(200);
    await sleep(1000); // jitter buffers settle, first RTCP
    rig.pause();
    await sleep(300);
    const r0 = await hosts.stats();
    const tl0 = performance.now();
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
    const r1 = await hosts.stats();
    const listenerSeconds = (performance.now() - tl0) / 1000;
    const sentB = rig.sent();
    const expected = (sentB - sentA) * listeners;
    const loss = expected > 0 ? Math.max(0, 1 - (r1.packets - r0.packets) / expected) : Number.NaN;
    const forwarded = (sent1 - sent0) * listeners * (1 - (Number.isFinite(loss) ? loss : 0));
    const cpuMs = cpu1 - cpu0;
    return {
      variant, listeners, consumers: listeners * speakers, routers: room.routers(), seconds: round(seconds, 2),
      forwardedPerSecond: round(forwarded / seconds, 0),
      cpuUsPerPacket: forwarded > 0 ? round((cpuMs * 1000) / forwarded, 2) : Number.NaN,
      cpuLoad: round(cpuMs / 1000 / seconds, 3),
      lossPercent: round(loss * 100, 3),
      jitterMs: round(r1.jitterMs, 2),
      workerRssMb: Number.NaN, workerIdleRssMb: Number.NaN,
      connected: r1.connected,
      listenerCpuLoad: round((r1.cpuMs - r0.cpuMs) / 1000 / listenerSeconds, 3),
    };
  } finally {
    rig.close();
  }
}

/**
 * Both variants at growing audiences until the listeners lose more than
 * 0.5 %, their own processes use more than three quarters of the machine's
 * cores, a point overruns its bound, or the time budget is spent.
 */
export async function webRtcSeries(ctx: BenchContext, load: Parameters<typeof buildRig>[1], makeRoom: MakeRoom, speakers: number): Promise<WebRtcSeries> {
  const tiny = ctx.size === 'tiny';
  const sizes = tiny ? [3] : [25, 50, 100, 150, 200, 300, 400];
  const windowS = tiny ? 1 : 6;
  const budgetMs = tiny ? 30_000 : 4 * 60_000;
  const cores = os.availableParallelism();
  const processes = tiny ? 1 : Math.min(2, cores);
  const series: WebRtcSeries = { processes, points: [] };
  const started = Date.now();
  try {
    // The library loads, or the series says why not.
    await (await WebRtcListenerHosts.start(1)).close();
  } catch (e) {
    series.unavailable = e instanceof Error ? e.message : String(e);
    return series;
  }
  sweep: for (const n of sizes) {
    if (Date.now() - started > budgetMs) {
      series.stoppedBy = `time budget of ${budgetMs / 1000} s spent`;
      break;
    }
    for (const variant of ['bare', 'hearth'] as const) {
      const room = await makeRoom(variant);
      const hosts = await WebRtcListenerHosts.start(processes);
      const boundMs = 30_000 + n * 100;
      let overran = false;
      const watchdog = setTimeout(() => {
        overran = true;
        hosts.kill();
        for (const w of room.workers) w.close();
      }, boundMs);
      try {
        const p = await measure(variant, room, hosts, load, speakers, n, windowS);
        series.points.push(p);
        ctx.say(`sfu webrtc: ${variant} ${n} listeners (${p.connected} connected): ${p.cpuUsPerPacket} µs/packet, loss ${p.lossPercent}%, jitter ${p.jitterMs} ms, listener processes ${p.listenerCpuLoad} cores`);
        if (p.lossPercent > 0.5) series.stoppedBy = `${variant} listeners lost ${p.lossPercent} % at ${n}`;
        else if (p.listenerCpuLoad > 0.75 * cores) series.stoppedBy = `the listener processes used ${p.listenerCpuLoad} of ${cores} cores at ${n}`;
      } catch (e) {
        if (!overran) throw e;
        series.stoppedBy = `${variant} at ${n} WebRTC listeners did not finish within ${Math.round(boundMs / 1000)} s`;
      } finally {
        clearTimeout(watchdog);
        await hosts.close();
        await room.close();
      }
      if (series.stoppedBy) break sweep;
    }
  }
  return series;
}
