/**
 * One room over two real mediasoup workers (ADR 0040): listeners past the
 * spread threshold go to a router on the other worker, a speaker's audio
 * reaches them through a pipe, the active speaker is seen whichever router
 * it speaks on, a worker's death costs only the peers placed on it, and a
 * cascade pipe (on the origin router) reaches listeners on every router.
 * RTP is sent and received by this test's UDP sockets over plain transports.
 */
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { after, before, describe, it } from 'node:test';
import { createWorker, type types } from 'mediasoup';
import { createLogger } from '../server/core/logging/logger.js';
import { CascadePipe } from './cascade.js';
import { AUDIO_MEDIA_CODECS } from './codecs.js';
import { RoomMediaRegistry } from './room-media-registry.js';
import type { RoomMedia } from './room-media.js';
import { MediaWorkerPool } from './worker-pool.js';

const log = createLogger({ level: 'silent', logIpAddresses: false });
const AUDIO_LEVEL_URI = 'urn:ietf:params:rtp-hdrext:ssrc-audio-level';

function opus(ssrc: number): types.RtpParameters {
  return {
    codecs: [{ mimeType: 'audio/opus', payloadType: 111, clockRate: 48000, channels: 2 }],
    headerExtensions: [{ uri: AUDIO_LEVEL_URI, id: 1 }],
    encodings: [{ ssrc }],
  };
}

/** An Opus-sized RTP packet carrying an ssrc-audio-level extension of -`level` dBov. */
function rtp(seq: number, ssrc: number, level: number): Buffer {
  const b = Buffer.alloc(12 + 8 + 40, 0xab);
  b[0] = 0x90; // version 2, extension bit
  b[1] = 111;
  b.writeUInt16BE(seq & 0xffff, 2);
  b.writeUInt32BE((seq * 960) >>> 0, 4);
  b.writeUInt32BE(ssrc, 8);
  b.writeUInt16BE(0xbede, 12);
  b.writeUInt16BE(1, 14); // one 32-bit word of extensions
  b[16] = (1 << 4) | 0; // id 1, one byte
  b[17] = 0x80 | level; // voice activity
  b[18] = 0;
  b[19] = 0;
  return b;
}

/** A UDP socket that counts RTP packets per SSRC. */
async function receiver(): Promise<{ port: number; count(ssrc: number): number; socket: dgram.Socket }> {
  const socket = dgram.createSocket('udp4');
  const counts = new Map<number, number>();
  socket.on('message', (m) => {
    if (m.length < 12 || (m[1]! >= 200 && m[1]! <= 206)) return; // RTCP (rtcp-mux)
    const ssrc = m.readUInt32BE(8);
    counts.set(ssrc, (counts.get(ssrc) ?? 0) + 1);
  });
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
  return { port: socket.address().port, count: (ssrc) => counts.get(ssrc) ?? 0, socket };
}

async function waitUntil(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('one room spread over two workers (real workers, plain RTP)', () => {
  let pool: MediaWorkerPool;
  let registry: RoomMediaRegistry;
  let room: RoomMedia;
  const sockets: dgram.Socket[] = [];
  const timers: NodeJS.Timeout[] = [];

  before(async () => {
    pool = new MediaWorkerPool({ size: 2, logLevel: 'error', rtcMinPort: 46100, rtcMaxPort: 46399, log, restartBackoff: { initialMs: 50 } });
    await pool.start();
    registry = new RoomMediaRegistry(pool, { listenIp: '127.0.0.1', log, spreadConsumersPerRouter: 2 });
    const got = await registry.getOrCreate('big-room');
    assert.ok(got.ok);
    room = got.value.media;
  });
  after(async () => {
    for (const t of timers) clearInterval(t);
    for (const s of sockets) s.close();
    room?.close();
    await pool?.close();
  });

  /** A fresh room of the registry with one silent speaker producing (for the placement tests). */
  async function roomWithSpeaker(name: string, ssrc: number): Promise<{ media: RoomMedia; producerId: string; plain: { listenIp: string; rtcpMux: boolean; comedia: boolean } }> {
    const got = await registry.getOrCreate(name);
    assert.ok(got.ok);
    const media = got.value.media;
    const plain = { listenIp: '127.0.0.1', rtcpMux: true, comedia: true };
    const src = await media.createPlainTransport('speaker', plain);
    assert.ok(src.ok);
    const produced = await media.produce('speaker', src.value.id, opus(ssrc), false);
    assert.ok(produced.ok);
    return { media, producerId: produced.value.id, plain };
  }

  /** A speaker: a comedia plain transport in the room fed by a UDP socket of this test, 50 packets a second. */
  async function speaker(peerId: string, ssrc: number, level: number): Promise<string> {
    const t = await room.createPlainTransport(peerId, { listenIp: '127.0.0.1', rtcpMux: true, comedia: true });
    assert.ok(t.ok, JSON.stringify(t));
    const produced = await room.produce(peerId, t.value.id, opus(ssrc), false);
    assert.ok(produced.ok, JSON.stringify(produced));
    const socket = dgram.createSocket('udp4');
    sockets.push(socket);
    let seq = 0;
    timers.push(setInterval(() => socket.send(rtp(seq++, ssrc, level), t.value.tuple.localPort, '127.0.0.1'), 20));
    return produced.value.id;
  }

  /** A listener: a plain transport sending to a counting socket, consuming `producerIds`; answers the SSRCs it receives. */
  async function listener(peerId: string, producerIds: string[]): Promise<{ count(ssrc: number): number; ssrcs: number[] }> {
    const r = await receiver();
    sockets.push(r.socket);
    const t = await room.createPlainTransport(peerId, { listenIp: '127.0.0.1', rtcpMux: true, comedia: false });
    assert.ok(t.ok, JSON.stringify(t));
    await t.value.connect({ ip: '127.0.0.1', port: r.port });
    const ssrcs: number[] = [];
    for (const id of producerIds) {
      const c = await room.consume(peerId, t.value.id, id, room.rtpCapabilities);
      assert.ok(c.ok, JSON.stringify(c));
      assert.ok((await room.resumeConsumer(peerId, c.value.id)).ok);
      ssrcs.push(c.value.rtpParameters.encodings?.[0]?.ssrc ?? 0);
    }
    return { count: (ssrc) => r.count(ssrc), ssrcs };
  }

  it('places listeners past the threshold on the other worker; audio and the active speaker cross the pipe; a worker death costs only its peers', { timeout: 30_000 }, async () => {
    const [originPid] = room.workerPids();
    const s1 = await speaker('s1', 1111, 40);
    const l1 = await listener('l1', [s1]);
    assert.equal(room.peerWorkerPid('l1'), originPid, 'below the threshold: the first router');
    assert.equal(room.workerPids().length, 1);

    const l2 = await listener('l2', [s1]);
    const otherPid = room.peerWorkerPid('l2');
    assert.ok(otherPid && otherPid !== originPid, 'past the threshold: a router on the other worker');
    assert.equal(room.workerPids().length, 2);
    // Audio of a speaker on worker 1 reaches a listener on worker 2.
    await waitUntil(() => l2.count(l2.ssrcs[0]!) >= 20, 5_000, 'RTP at the listener on the second worker');
    await waitUntil(() => l1.count(l1.ssrcs[0]!) >= 20, 5_000, 'RTP at the listener on the first worker');

    // A louder speaker placed on the second worker: the observer on the first router still hears it.
    const speakers: (string | null)[] = [];
    room.on('activeSpeaker', ({ peerId }) => speakers.push(peerId));
    await speaker('s2', 2222, 5);
    assert.equal(room.peerWorkerPid('s2'), otherPid, 'the least-loaded router');
    await waitUntil(() => speakers.includes('s2'), 5_000, 'the speaker on the second worker seen as active');

    // The second worker dies: its peers (l2, s2) must reconnect, the rest flows on.
    const lost = new Promise<{ peerIds: string[]; origin: boolean }>((resolve) => room.once('routerLost', resolve));
    process.kill(otherPid, 'SIGKILL');
    const event = await lost;
    assert.deepEqual(event.peerIds.sort(), ['l2', 's2']);
    assert.equal(event.origin, false);
    assert.equal(room.closed, false, 'the room keeps its other router');
    assert.deepEqual(room.workerPids(), [originPid]);
    assert.deepEqual(room.producers().map((p) => p.peerId), ['s1'], 'the lost speaker\'s producer closed');
    const before = l1.count(l1.ssrcs[0]!);
    await waitUntil(() => l1.count(l1.ssrcs[0]!) >= before + 20, 5_000, 'RTP still at the listener on the surviving worker');

    // The lost listener reconnects (the pool replaced the worker meanwhile, or the first router takes it).
    const again = await listener('l2', [s1]);
    await waitUntil(() => again.count(again.ssrcs[0]!) >= 20, 5_000, 'RTP at the reconnected listener');
  });

  it('survives the loss of its first router: a new origin takes the active-speaker observer and the cascade pipes', { timeout: 30_000 }, async () => {
    await waitUntil(() => pool.aliveCount() === 2, 5_000, 'the replaced worker');
    // Past the threshold again: the room has a router on the replacement worker.
    await listener('l3', room.producers().map((p) => p.producerId));
    const pids = room.workerPids();
    assert.equal(pids.length, 2, 'the room spread again over the replacement worker');
    const [originPid] = pids;
    const lost = new Promise<{ peerIds: string[]; origin: boolean }>((resolve) => room.once('routerLost', resolve));
    process.kill(originPid!, 'SIGKILL');
    const event = await lost;
    assert.equal(event.origin, true);
    assert.equal(room.closed, false);
    assert.ok(event.peerIds.includes('s1'));
    // A speaker on the surviving router is heard by the new origin's observer.
    const speakers: (string | null)[] = [];
    room.on('activeSpeaker', ({ peerId }) => speakers.push(peerId));
    await speaker('s3', 3333, 5);
    await waitUntil(() => speakers.includes('s3'), 5_000, 'the active speaker seen after the origin moved');
    const pipe = await room.createPipeTransport('127.0.0.1');
    assert.equal(pipe.closed, false, 'cascade pipes open on the new origin');
    pipe.close();
  });

  it('a cascade pipe attaches to the origin router, and what it carries reaches listeners on every router', { timeout: 30_000 }, async () => {
    const other = await createWorker({ logLevel: 'error', rtcMinPort: 46400, rtcMaxPort: 46499 });
    try {
      room.close();
      const got = await registry.getOrCreate('linked-room');
      assert.ok(got.ok);
      room = got.value.media;
      // Another instance's speaker: RTP from this test's socket into its router, piped over SRTP into the room.
      const source = await other.createRouter({ mediaCodecs: AUDIO_MEDIA_CODECS });
      const plain = await source.createPlainTransport({ listenIp: '127.0.0.1', rtcpMux: true, comedia: true });
      const producer = await plain.produce({ kind: 'audio', rtpParameters: { codecs: [{ mimeType: 'audio/opus', payloadType: 111, clockRate: 48000, channels: 2 }], encodings: [{ ssrc: 7777 }] } });
      const pipe = await CascadePipe.open(room, { listenIp: '127.0.0.1' });
      const sourcePipe = await source.createPipeTransport({ listenIp: { ip: '127.0.0.1' }, enableSrtp: true, enableRtx: true });
      await sourcePipe.connect({ ip: pipe.local.ip, port: pipe.local.port, srtpParameters: pipe.local.srtpParameters });
      assert.ok((await pipe.connect({ ip: '127.0.0.1', port: sourcePipe.tuple.localPort, srtpParameters: sourcePipe.srtpParameters! })).ok);
      const sent = await sourcePipe.consume({ producerId: producer.id });
      assert.ok((await pipe.receive('remote-speaker', { producerId: producer.id, kind: 'audio', rtpParameters: sent.rtpParameters, paused: false })).ok);
      const socket = dgram.createSocket('udp4');
      sockets.push(socket);
      let seq = 0;
      timers.push(setInterval(() => socket.send(rtp(seq++, 7777, 20), plain.tuple.localPort, '127.0.0.1'), 20));

      // Three listeners: the third is past the threshold, on the other worker.
      const originPid = room.workerPid;
      const near = [await listener('x1', [producer.id]), await listener('x2', [producer.id])];
      const far = await listener('x3', [producer.id]);
      assert.equal(room.peerWorkerPid('x1'), originPid);
      assert.ok(room.peerWorkerPid('x3') !== originPid && room.workerPids().length === 2, 'the third listener is on the other worker');
      await waitUntil(() => far.count(far.ssrcs[0]!) >= 20, 5_000, 'piped RTP at the listener on the other worker');
      await waitUntil(() => near.every((l) => l.count(l.ssrcs[0]!) >= 20), 5_000, 'piped RTP at the listeners on the origin');
    } finally {
      other.close();
    }
  });

  it('counts only the peers still placed: peers that left, or consume again, do not push a listener to the other worker', { timeout: 30_000 }, async () => {
    const { media: churn, producerId, plain } = await roomWithSpeaker('churn-room', 3333);
    const [originPid] = churn.workerPids();
    // Threshold 2 consumers per router; the speaker counts as one about to consume. Ten peers come and go,
    // some after consuming: none of them may still weigh on the origin router.
    for (let i = 0; i < 10; i++) {
      const t = await churn.createPlainTransport(`gone-${i}`, plain);
      assert.ok(t.ok);
      if (i % 2) assert.ok((await churn.consume(`gone-${i}`, t.value.id, producerId, churn.rtpCapabilities, { paused: false })).ok);
      churn.closePeer(`gone-${i}`);
    }
    await new Promise((r) => setTimeout(r, 50));
    const stay = await churn.createPlainTransport('stay', plain);
    assert.ok(stay.ok);
    assert.equal(churn.peerWorkerPid('stay'), originPid, 'the origin router is as light as before the churn');
    assert.equal(churn.workerPids().length, 1);
    churn.close();
  });

  it('counts a listener whose consumers all closed as about to consume again, like a newcomer', { timeout: 30_000 }, async () => {
    const { media: quiet, producerId, plain } = await roomWithSpeaker('quiet-room', 4444);
    const a = await quiet.createPlainTransport('a', plain);
    assert.ok(a.ok);
    assert.ok((await quiet.consume('a', a.value.id, producerId, quiet.rtpCapabilities, { paused: false })).ok);
    const [originPid] = quiet.workerPids();
    // The speaker leaves the stage: a's consumer closes with the producer, and a weighs as a newcomer again.
    // Load: speaker and a, each about to consume one → 2, the threshold: the next listener goes elsewhere.
    quiet.closeProducer('speaker');
    await new Promise((r) => setTimeout(r, 50));
    const b = await quiet.createPlainTransport('b', plain);
    assert.ok(b.ok);
    const bPid = quiet.peerWorkerPid('b');
    assert.ok(bPid !== undefined && bPid !== originPid, 'b placed on the other worker');
    quiet.close();
  });
});
