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
import * as mediasoup from 'mediasoup';
import type { types } from 'mediasoup';
import type { SfuPoint } from './sfu-point.js';
import { buildRig, measureWindow, windowFigures, type RoomUnderTest } from './sfu-rig.js';
import { mapLimit, round, sleep, type BenchContext } from './types.js';
import { WebRtcListenerHosts } from './webrtc-listeners.js';
import { answerDtls, receiveOffer } from './webrtc-sdp.js';

/** A point of the WebRTC series: the room's figures, and what the listener processes themselves cost. */
export interface WebRtcPoint extends SfuPoint {
  /** Listeners whose peer connection reached `connected`. */
  connected: number;
  /** Listener processes the listeners were spread over. */
  processes: number;
  /** Cores' worth of CPU the listener processes used while measured (the load generator, not the room). */
  listenerCpuLoad: number;
  /**
   * Of the packets the listeners should have had, the share the room's
   * consumers did not send: loss in the SFU, where `lossPercent` less this
   * is loss on the way or in the listeners' own processes.
   */
  sfuLossPercent: number;
}

export interface WebRtcSeries {
  /** Set when the series could not run at all: the measured reason. */
  unavailable?: string;
  /** Why the sweep stopped before its last size, if it did. */
  stoppedBy?: string;
  /** Listeners per listener process (a point of N listeners runs N / this of them, at most 8). */
  listenersPerProcess: number;
  points: WebRtcPoint[];
}

/**
 * One process holds 25 listeners: in trials on 2 cores, 100 listeners in one
 * process lost 16 % of what the SFU sent them, in two 13 %, in four none
 * (each libwebrtc process has its own network and audio threads).
 */
const LISTENERS_PER_PROCESS = 25;
const MAX_PROCESSES = 8;

type MakeRoom = (variant: SfuPoint['variant']) => Promise<RoomUnderTest>;

/** The consumers on WebRTC transports of mediasoup workers made in this process from now on (both rooms' workers are). */
function watchWebRtcConsumers(): { sent(): Promise<number>; stop(): void } {
  const consumers = new Set<types.Consumer>();
  const onWorker = (w: types.Worker): void => { w.observer.on('newrouter', (r: types.Router) => r.observer.on('newtransport', (t: types.Transport) => {
    if (!('iceParameters' in t)) return;
    t.observer.on('newconsumer', (c: types.Consumer) => {
      consumers.add(c);
      c.observer.once('close', () => consumers.delete(c));
    });
  })); };
  mediasoup.observer.on('newworker', onWorker);
  return {
    async sent() {
      const counts = await mapLimit([...consumers], 64, async (c) => (await c.getStats().catch(() => [])).filter((x) => x.type === 'outbound-rtp').reduce((n, x) => n + x.packetCount, 0));
      return counts.reduce((a, b) => a + b, 0);
    },
    stop: () => { mediasoup.observer.off('newworker', onWorker); consumers.clear(); },
  };
}

/** One point: `listeners` WebRTC peers on a fresh room, `speakers` speakers through the rig's load worker. */
async function measure(variant: SfuPoint['variant'], room: RoomUnderTest, sfuSent: () => Promise<number>, hosts: WebRtcListenerHosts, load: Parameters<typeof buildRig>[1], speakers: number, listeners: number, windowS: number): Promise<Omit<WebRtcPoint, 'processes'>> {
  if (!room.webRtcTransport) throw new Error('this room cannot open WebRTC transports');
  const rig = await buildRig(room, load, speakers, 0);
  try {
    await mapLimit(Array.from({ length: listeners }, (_, i) => i), 8, async (i) => {
      const t = await room.webRtcTransport!(`listener-${i}`);
      const rtp = [];
      for (const p of rig.producerIds) rtp.push(await t.consume(p));
      const answer = await hosts.open(receiveOffer(t, rtp));
      await t.connect(answerDtls(answer));
    });
    const deadline = Date.now() + 10_000 + listeners * 20;
    while ((await hosts.stats()).connected < listeners && Date.now() < deadline) await sleep(200);
    await sleep(1000); // jitter buffers settle, first RTCP
    const w = await measureWindow(rig, room.workers, windowS, async () => ({ heard: await hosts.stats(), sfuSent: await sfuSent() }));
    const expected = w.sentBetweenReads * listeners;
    return {
      variant, listeners, consumers: listeners * speakers, routers: room.routers(),
      ...windowFigures(w, listeners, w.after.heard.packets - w.before.heard.packets),
      jitterMs: round(w.after.heard.jitterMs, 2),
      workerRssMb: Number.NaN, workerIdleRssMb: Number.NaN,
      connected: w.after.heard.connected,
      listenerCpuLoad: round((w.after.heard.cpuMs - w.before.heard.cpuMs) / 1000 / w.readSeconds, 3),
      sfuLossPercent: expected > 0 ? round(Math.max(0, 1 - (w.after.sfuSent - w.before.sfuSent) / expected) * 100, 3) : Number.NaN,
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
  const budgetMs = tiny ? 30_000 : 3 * 60_000;
  const cores = os.availableParallelism();
  const series: WebRtcSeries = { listenersPerProcess: LISTENERS_PER_PROCESS, points: [] };
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
      const watch = watchWebRtcConsumers();
      const room = await makeRoom(variant);
      const processes = Math.min(MAX_PROCESSES, Math.ceil(n / LISTENERS_PER_PROCESS));
      const hosts = await WebRtcListenerHosts.start(processes);
      const boundMs = 30_000 + n * 100;
      let overran = false;
      const watchdog = setTimeout(() => {
        overran = true;
        hosts.kill();
        for (const w of room.workers) w.close();
      }, boundMs);
      try {
        const p = { ...(await measure(variant, room, () => watch.sent(), hosts, load, speakers, n, windowS)), processes };
        series.points.push(p);
        ctx.say(`sfu webrtc: ${variant} ${n} listeners (${p.connected} connected): ${p.cpuUsPerPacket} µs/packet, loss ${p.lossPercent}% (${p.sfuLossPercent}% not sent by the SFU), jitter ${p.jitterMs} ms, listener processes ${p.listenerCpuLoad} cores`);
        if (p.sfuLossPercent > 0.5) series.stoppedBy = `${variant}: the SFU did not send ${p.sfuLossPercent} % at ${n} listeners`;
        else if (p.lossPercent > 0.5) series.stoppedBy = `${variant} at ${n}: the listener processes lost ${p.lossPercent} % of what the SFU sent (the load generator saturated: ${p.listenerCpuLoad} cores of its own)`;
        else if (p.listenerCpuLoad > 0.75 * cores) series.stoppedBy = `the listener processes used ${p.listenerCpuLoad} of ${cores} cores at ${n}`;
      } catch (e) {
        if (!overran) throw e;
        series.stoppedBy = `${variant} at ${n} WebRTC listeners did not finish within ${Math.round(boundMs / 1000)} s`;
      } finally {
        clearTimeout(watchdog);
        await hosts.close();
        await room.close();
        watch.stop();
      }
      if (series.stoppedBy) break sweep;
    }
  }
  return series;
}
