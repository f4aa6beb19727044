/**
 * The SFU rig: a room under measure (the project's, spread over the workers
 * of its pool, or a bare mediasoup one spread the same way by hand) and the
 * load generator, a separate mediasoup worker. Speakers: Opus-sized RTP
 * (32 kb/s, 20 ms packets, each speaker on its own clock: phases spread over
 * the 20 ms) sent from Node into the load worker and carried
 * over SRTP plain transports into the room, where each is a speaker's
 * producer. Listeners: SRTP plain transports (AES_CM_128_HMAC_SHA1_80) in the
 * room, each consuming every speaker, connected over loopback to SRTP plain
 * transports in the load worker whose producers count what arrives (loss,
 * jitter). A light load generator instead of WebRTC peers: reported as such.
 * Rooms that can also open WebRTC transports for listeners (ICE-lite, DTLS,
 * SRTP) serve the WebRTC series (sfu-webrtc.ts), whose listeners are real
 * WebRTC peers.
 */
import * as mediasoup from 'mediasoup';
import type { types } from 'mediasoup';
import { AUDIO_MEDIA_CODECS, type RoomMedia } from '../../media/index.js';
import { mapLimit, round, sleep } from './types.js';
import type { TransportSide } from './webrtc-sdp.js';

/** The SRTP plain transports on both sides. */
export const SRTP = { listenIp: '127.0.0.1', rtcpMux: true, comedia: false, enableSrtp: true, srtpCryptoSuite: 'AES_CM_128_HMAC_SHA1_80' as const };

/** A room as the rig drives it: peers get plain transports where the room places them. */
export interface RoomUnderTest {
  /** The workers whose CPU counts (the room's side). */
  workers: types.Worker[];
  rtpCapabilities: types.RtpCapabilities;
  /** An SRTP plain transport for a peer of the room, on the router the room puts it on. */
  transport(peerId: string, role: 'speaker' | 'listener'): Promise<types.PlainTransport>;
  /** The speaker's producer, made on its transport; answers its id. */
  produce(peerId: string, transport: types.PlainTransport, rtpParameters: types.RtpParameters): Promise<string>;
  /** A running consumer of `producerId` on the listener's transport; answers its RTP parameters. */
  consume(peerId: string, transport: types.PlainTransport, producerId: string): Promise<types.RtpParameters>;
  /** Routers the room runs on now. */
  routers(): number;
  /** A WebRTC transport for a listener, on the router the room puts it on (rooms that can). */
  webRtcTransport?(peerId: string): Promise<WebRtcListenerTransport>;
  close(): Promise<void>;
}

/** A listener's WebRTC transport in the room, as a client drives it. */
export interface WebRtcListenerTransport extends TransportSide {
  connect(dtlsParameters: types.DtlsParameters): Promise<void>;
  /** A running consumer of `producerId` on this transport; answers its RTP parameters. */
  consume(producerId: string): Promise<types.RtpParameters>;
}

export interface Rig {
  listeners: number;
  /** The speakers' producer ids in the room. */
  producerIds: string[];
  /** The load worker's router (more listeners can attach to it). */
  loadRouter: types.Router;
  /** Packets the speakers sent so far (each forwarded to every listener). */
  sent(): number;
  /** Stops and restarts the speakers (so counters can be read while nothing is in flight). */
  pause(): void;
  resume(): void;
  /** Sum over the listeners' receiving producers. */
  received(): Promise<{ packets: number; lost: number; jitterMs: number }>;
  close(): void;
}

/**
 * 32 kb/s at 50 packets/s. The first byte is an Opus TOC (CELT fullband,
 * 20 ms, one frame), so WebRTC listeners decode the packets as audio
 * instead of discarding them.
 */
const SPEAKER_PAYLOAD = Buffer.alloc(80, 0x5a);
/** One packet per speaker every 20 ms. */
const PACKET_MS = 20;
SPEAKER_PAYLOAD[0] = 0xf8;

/** A load worker on its own port range. */
export function startLoadWorker(): Promise<types.Worker> {
  return mediasoup.createWorker({ logLevel: 'error', rtcMinPort: 45000, rtcMaxPort: 59999 });
}

/** Connects a room transport and a load transport to each other over loopback. */
export async function pair(room: types.PlainTransport, load: types.PlainTransport): Promise<void> {
  await room.connect({ ip: '127.0.0.1', port: load.tuple.localPort, srtpParameters: load.srtpParameters });
  await load.connect({ ip: '127.0.0.1', port: room.tuple.localPort, srtpParameters: room.srtpParameters });
}

/** Builds speakers and listeners between `room` and the load worker. */
export async function buildRig(room: RoomUnderTest, load: types.Worker, speakers: number, listeners: number): Promise<Rig> {
  const loadRouter = await load.createRouter({ mediaCodecs: AUDIO_MEDIA_CODECS });
  const direct = await loadRouter.createDirectTransport();
  const sources: { producer: types.Producer; ssrc: number; seq: number; ts: number }[] = [];
  const roomProducers: string[] = [];
  const transports: types.Transport[] = [];
  for (let s = 0; s < speakers; s++) {
    const ssrc = 1000 + s;
    const producer = await direct.produce({
      kind: 'audio',
      rtpParameters: {
        codecs: [{ mimeType: 'audio/opus', payloadType: 100, clockRate: 48000, channels: 2, parameters: { useinbandfec: 1 } }],
        encodings: [{ ssrc }],
      },
    });
    // The speaker's stream leaves the load worker over SRTP and enters the room as the speaker's producer.
    const out = await loadRouter.createPlainTransport(SRTP);
    const inn = await room.transport(`speaker-${s}`, 'speaker');
    transports.push(out);
    await pair(inn, out);
    const carried = await out.consume({ producerId: producer.id, rtpCapabilities: loadRouter.rtpCapabilities });
    roomProducers.push(await room.produce(`speaker-${s}`, inn, carried.rtpParameters));
    sources.push({ producer, ssrc, seq: 0, ts: 0 });
  }
  const receivers: types.Producer[] = [];
  await mapLimit(Array.from({ length: listeners }, (_, i) => i), 32, async (i) => {
    const out = await room.transport(`listener-${i}`, 'listener');
    const inn = await loadRouter.createPlainTransport(SRTP);
    transports.push(inn);
    await pair(out, inn);
    for (const p of roomProducers) {
      const rtpParameters = await room.consume(`listener-${i}`, out, p);
      receivers.push(await inn.produce({ kind: 'audio', rtpParameters }));
    }
  });
  let sent = 0;
  let paused = false;
  const header = Buffer.alloc(12);
  const send = (src: (typeof sources)[number]): void => {
    if (paused || src.producer.closed) return;
    src.seq = (src.seq + 1) & 0xffff;
    src.ts = (src.ts + 960) >>> 0;
    header[0] = 0x80;
    header[1] = 100;
    header.writeUInt16BE(src.seq, 2);
    header.writeUInt32BE(src.ts, 4);
    header.writeUInt32BE(src.ssrc, 8);
    src.producer.send(Buffer.concat([header, SPEAKER_PAYLOAD]));
    sent++;
  };
  // Each speaker on its own 20 ms clock, the phases spread evenly over the period: real speakers are
  // independent, so a joiner waits for the next packet of any of them, not for one shared tick (ADR 0051).
  const timers: NodeJS.Timeout[] = [];
  sources.forEach((src, s) => {
    timers.push(setTimeout(() => {
      send(src);
      timers.push(setInterval(() => send(src), PACKET_MS));
    }, Math.round((s * PACKET_MS) / sources.length)));
  });
  return {
    listeners,
    producerIds: roomProducers,
    loadRouter,
    sent: () => sent,
    pause: () => { paused = true; },
    resume: () => { paused = false; },
    async received() {
      let packets = 0;
      let lost = 0;
      let jitter = 0;
      await mapLimit(receivers, 64, async (r) => {
        const s = (await r.getStats())[0];
        if (!s) return;
        packets += s.packetCount;
        lost += s.packetsLost;
        jitter += s.jitter;
      });
      // Opus RTP timestamps run at 48 kHz.
      return { packets, lost, jitterMs: receivers.length ? jitter / receivers.length / 48 : 0 };
    },
    close() {
      for (const t of timers) clearTimeout(t);
      for (const t of transports) t.close();
      loadRouter.close();
    },
  };
}

/** CPU time (ms, user + system) of the workers, from their own resource usage. */
export async function workersCpuMs(workers: readonly types.Worker[]): Promise<number> {
  let total = 0;
  for (const w of workers) {
    const ru = await w.getResourceUsage();
    total += ru.ru_utime + ru.ru_stime;
  }
  return total;
}

/** What one measurement window found: the counters before and after, and the room workers' CPU over it. */
export interface MeasuredWindow<R> {
  /** What `read` answered before and after, each time while the speakers were paused. */
  before: R;
  after: R;
  /** Seconds between the two reads (what the listeners' own counters span). */
  readSeconds: number;
  /** Seconds the room workers' CPU was measured over. */
  seconds: number;
  cpuMs: number;
  /** Packets the speakers sent between the two reads (each owed to every listener). */
  sentBetweenReads: number;
  /** Packets the speakers sent while the CPU was measured. */
  sentInWindow: number;
}

/**
 * The measurement window both SFU series use: counters are read while the
 * speakers pause, so nothing is in flight; the speakers resume, the room
 * workers' CPU is read over `windowS` seconds, the speakers pause again and
 * the counters are read again. `read` is how a series reads what its
 * listeners received.
 */
export async function measureWindow<R>(rig: Rig, workers: readonly types.Worker[], windowS: number, read: () => Promise<R>): Promise<MeasuredWindow<R>> {
  const { value: before, sent: sentA } = await readPaused(rig, read);
  const read0 = performance.now();
  rig.resume();
  await sleep(200);
  const cpu0 = await workersCpuMs(workers);
  const sent0 = rig.sent();
  const t0 = performance.now();
  await sleep(windowS * 1000);
  const cpu1 = await workersCpuMs(workers);
  const sent1 = rig.sent();
  const seconds = (performance.now() - t0) / 1000;
  const { value: after, sent: sentB } = await readPaused(rig, read);
  return {
    before, after, readSeconds: (performance.now() - read0) / 1000, seconds, cpuMs: cpu1 - cpu0,
    sentBetweenReads: sentB - sentA, sentInWindow: sent1 - sent0,
  };
}

/**
 * Pauses the speakers, lets what is in flight arrive, then reads: `read`'s
 * answer and the packets the speakers sent so far. The speakers stay paused.
 */
export async function readPaused<R>(rig: Rig, read: () => Promise<R>): Promise<{ value: R; sent: number }> {
  rig.pause();
  await sleep(300);
  const value = await read();
  return { value, sent: rig.sent() };
}

/** The figures of a window common to both series, from the packets `listeners` listeners received between the reads. */
export function windowFigures(w: MeasuredWindow<unknown>, listeners: number, receivedBetweenReads: number): { seconds: number; forwardedPerSecond: number; cpuUsPerPacket: number; cpuLoad: number; lossPercent: number } {
  const expected = w.sentBetweenReads * listeners;
  const loss = expected > 0 ? Math.max(0, 1 - receivedBetweenReads / expected) : Number.NaN;
  // Forwarded in the CPU window: what the speakers sent then, to every listener, less the loss.
  const forwarded = w.sentInWindow * listeners * (1 - (Number.isFinite(loss) ? loss : 0));
  return {
    seconds: round(w.seconds, 2),
    forwardedPerSecond: round(forwarded / w.seconds, 0),
    cpuUsPerPacket: forwarded > 0 ? round((w.cpuMs * 1000) / forwarded, 2) : Number.NaN,
    cpuLoad: round(w.cpuMs / 1000 / w.seconds, 3),
    lossPercent: round(loss * 100, 3),
  };
}

/** Packets the listeners received and the speakers sent, read while the speakers pause (nothing in flight); they resume after. */
export async function audienceCounters(rig: Rig): Promise<{ packets: number; sent: number }> {
  const { value, sent } = await readPaused(rig, () => rig.received());
  rig.resume();
  return { packets: value.packets, sent };
}

/** A room that is one router (the rig's peers go straight onto it), for benchmarks of one router. */
export function routerRoom(router: types.Router, workers: types.Worker[]): RoomUnderTest {
  return {
    workers,
    rtpCapabilities: router.rtpCapabilities,
    transport: () => router.createPlainTransport(SRTP),
    produce: async (_peerId, t, rtpParameters) => (await t.produce({ kind: 'audio', rtpParameters })).id,
    consume: async (_peerId, t, producerId) => (await t.consume({ producerId, rtpCapabilities: router.rtpCapabilities })).rtpParameters,
    routers: () => 1,
    close: () => Promise.resolve(),
  };
}

/** An answer of RoomMedia, or a thrown error naming what failed. */
export function must<T>(r: { ok: true; value: T } | { ok: false; error: string }, what: string): T {
  if (!r.ok) throw new Error(`${what}: ${r.error}`);
  return r.value;
}

/**
 * The project's room media as the rig drives it: each peer's transport,
 * producer and consumers through RoomMedia's API (placed on the router it
 * chooses); consumers are made running (ADR 0051).
 */
export function roomMediaRoom(room: RoomMedia, workers: types.Worker[], close: () => Promise<void> = () => Promise.resolve()): RoomUnderTest {
  return {
    workers,
    rtpCapabilities: room.rtpCapabilities,
    transport: async (peerId) => must(await room.createPlainTransport(peerId, SRTP), 'plain transport'),
    produce: async (peerId, t, rtpParameters) => must(await room.produce(peerId, t.id, rtpParameters, false), 'produce').id,
    consume: async (peerId, t, producerId) => must(await room.consume(peerId, t.id, producerId, room.rtpCapabilities, { paused: false }), 'consume').rtpParameters,
    routers: () => room.workerPids().length,
    close,
  };
}
