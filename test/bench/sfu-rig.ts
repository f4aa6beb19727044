/**
 * The SFU rig: a room router under measure (the project's, or a bare
 * mediasoup one) and the load generator, a separate mediasoup worker.
 * Speakers: Opus-sized RTP (32 kb/s, 20 ms packets) sent from Node into the
 * load worker and piped once into the room. Listeners: SRTP plain transports
 * (AES_CM_128_HMAC_SHA1_80) on the room's router, each consuming every
 * speaker, connected over loopback to SRTP plain transports in the load
 * worker whose producers count what arrives (loss, jitter). A light load
 * generator instead of WebRTC peers: reported as such.
 */
import * as mediasoup from 'mediasoup';
import type { types } from 'mediasoup';
import { AUDIO_MEDIA_CODECS } from '../../media/index.js';
import { mapLimit } from './types.js';

export interface RoomUnderTest {
  router: types.Router;
  /** The workers whose CPU counts (the room's side). */
  workers: types.Worker[];
  close(): Promise<void>;
}

export interface Rig {
  listeners: number;
  /** The speakers' producers in the room's router. */
  producers: types.Producer[];
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

const SPEAKER_PAYLOAD = Buffer.alloc(80, 0x5a); // 32 kb/s at 50 packets/s

/** A load worker on its own port range. */
export function startLoadWorker(): Promise<types.Worker> {
  return mediasoup.createWorker({ logLevel: 'error', rtcMinPort: 45000, rtcMaxPort: 59999 });
}

/** Builds speakers and listeners between `room` and the load worker. */
export async function buildRig(room: RoomUnderTest, load: types.Worker, speakers: number, listeners: number, observer?: types.AudioLevelObserver): Promise<Rig> {
  const loadRouter = await load.createRouter({ mediaCodecs: AUDIO_MEDIA_CODECS });
  const direct = await loadRouter.createDirectTransport();
  const sources: { producer: types.Producer; ssrc: number; seq: number; ts: number }[] = [];
  const roomProducers: types.Producer[] = [];
  for (let s = 0; s < speakers; s++) {
    const ssrc = 1000 + s;
    const producer = await direct.produce({
      kind: 'audio',
      rtpParameters: {
        codecs: [{ mimeType: 'audio/opus', payloadType: 100, clockRate: 48000, channels: 2, parameters: { useinbandfec: 1 } }],
        encodings: [{ ssrc }],
      },
    });
    const piped = await loadRouter.pipeToRouter({ producerId: producer.id, router: room.router });
    if (!piped.pipeProducer) throw new Error('pipeToRouter gave no producer');
    roomProducers.push(piped.pipeProducer);
    if (observer) await observer.addProducer({ producerId: piped.pipeProducer.id });
    sources.push({ producer, ssrc, seq: 0, ts: 0 });
  }
  const receivers: types.Producer[] = [];
  const transports: types.Transport[] = [];
  await mapLimit(Array.from({ length: listeners }, (_, i) => i), 32, async () => {
    const srtp = { listenIp: '127.0.0.1', rtcpMux: true, comedia: false, enableSrtp: true, srtpCryptoSuite: 'AES_CM_128_HMAC_SHA1_80' as const };
    const out = await room.router.createPlainTransport(srtp);
    const inn = await loadRouter.createPlainTransport(srtp);
    transports.push(out, inn);
    await out.connect({ ip: '127.0.0.1', port: inn.tuple.localPort, srtpParameters: inn.srtpParameters });
    await inn.connect({ ip: '127.0.0.1', port: out.tuple.localPort, srtpParameters: out.srtpParameters });
    for (const p of roomProducers) {
      const consumer = await out.consume({ producerId: p.id, rtpCapabilities: room.router.rtpCapabilities });
      receivers.push(await inn.produce({ kind: 'audio', rtpParameters: consumer.rtpParameters }));
    }
  });
  let sent = 0;
  let paused = false;
  const header = Buffer.alloc(12);
  const timer = setInterval(() => {
    if (paused) return;
    for (const src of sources) {
      src.seq = (src.seq + 1) & 0xffff;
      src.ts = (src.ts + 960) >>> 0;
      header[0] = 0x80;
      header[1] = 100;
      header.writeUInt16BE(src.seq, 2);
      header.writeUInt32BE(src.ts, 4);
      header.writeUInt32BE(src.ssrc, 8);
      src.producer.send(Buffer.concat([header, SPEAKER_PAYLOAD]));
      sent++;
    }
  }, 20);
  return {
    listeners,
    producers: roomProducers,
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
      clearInterval(timer);
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
