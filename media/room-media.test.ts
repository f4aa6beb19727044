/**
 * A room's media on a real mediasoup worker: per-peer caps on transports,
 * producers and consumers (also when consumes run concurrently), ownership
 * checks between peers, consumers made running or paused, and the incoming
 * bitrate cap of WebRTC transports.
 */
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { after, before, describe, it } from 'node:test';
import * as mediasoup from 'mediasoup';
import type { types } from 'mediasoup';
import { createLogger } from '../server/core/logging/logger.js';
import { RoomMedia } from './room-media.js';

const log = createLogger({ level: 'silent', logIpAddresses: false });

/** RTP parameters of one Opus stream, as a browser would send them. */
function opusParameters(ssrc: number): types.RtpParameters {
  return {
    mid: '0',
    codecs: [{ mimeType: 'audio/opus', payloadType: 111, clockRate: 48000, channels: 2, parameters: { useinbandfec: 1 }, rtcpFeedback: [] }],
    headerExtensions: [],
    encodings: [{ ssrc }],
    rtcp: { cname: `peer-${ssrc}`, reducedSize: true },
  };
}

describe('room media caps and ownership (real worker)', () => {
  let worker: types.Worker;
  let room: RoomMedia;

  before(async () => {
    worker = await mediasoup.createWorker({ logLevel: 'error', rtcMinPort: 46000, rtcMaxPort: 46099 });
    room = await RoomMedia.create(worker, { listenIp: '127.0.0.1', caps: { transports: 2, producers: 2, consumers: 2 }, log });
  });
  after(() => {
    room?.close();
    worker?.close();
  });

  it('enforces the transport, producer and consumer caps of each peer', async () => {
    const t1 = await room.createTransport('speaker');
    const t2 = await room.createTransport('speaker');
    assert.ok(t1.ok && t2.ok);
    const t3 = await room.createTransport('speaker');
    assert.deepEqual(t3, { ok: false, error: 'cap_reached' });

    // The producer cap is 2 here (1 by default): a hard-coded limit of 1 refuses the second.
    const produced = await room.produce('speaker', t1.value.id, opusParameters(1111), false);
    assert.ok(produced.ok, JSON.stringify(produced));
    const second = await room.produce('speaker', t2.value.id, opusParameters(2222), false);
    assert.ok(second.ok, `a second producer within the cap: ${JSON.stringify(second)}`);
    const third = await room.produce('speaker', t1.value.id, opusParameters(5555), false);
    assert.deepEqual(third, { ok: false, error: 'cap_reached' });
    assert.deepEqual(room.producers().filter((p) => p.peerId === 'speaker').map((p) => p.producerId).sort(), [produced.value.id, second.value.id].sort());

    const listenerTransport = await room.createTransport('listener');
    assert.ok(listenerTransport.ok);
    const caps = room.rtpCapabilities;
    const c1 = await room.consume('listener', listenerTransport.value.id, produced.value.id, caps);
    const c2 = await room.consume('listener', listenerTransport.value.id, produced.value.id, caps);
    assert.ok(c1.ok && c2.ok);
    const c3 = await room.consume('listener', listenerTransport.value.id, produced.value.id, caps);
    assert.deepEqual(c3, { ok: false, error: 'cap_reached' });
  });

  it('refuses operations on another peer\'s transport or consumer', async () => {
    const mine = await room.createTransport('alice');
    const theirs = await room.createTransport('bob');
    assert.ok(mine.ok && theirs.ok);
    const produce = await room.produce('alice', theirs.value.id, opusParameters(3333), false);
    assert.deepEqual(produce, { ok: false, error: 'not_yours' });
    const bobProducer = await room.produce('bob', theirs.value.id, opusParameters(4444), false);
    assert.ok(bobProducer.ok);
    const consumer = await room.consume('bob', theirs.value.id, bobProducer.value.id, room.rtpCapabilities);
    assert.ok(consumer.ok);
    assert.deepEqual(await room.resumeConsumer('alice', consumer.value.id), { ok: false, error: 'not_yours' });
  });

  it('counts consumes still being made against the cap, so concurrent ones cannot pass it', async () => {
    const speaker = await room.createTransport('cap-speaker');
    assert.ok(speaker.ok);
    const produced = await room.produce('cap-speaker', speaker.value.id, opusParameters(6666), false);
    assert.ok(produced.ok);
    const t = await room.createTransport('cap-listener');
    assert.ok(t.ok);
    const all = await Promise.all(Array.from({ length: 4 }, () => room.consume('cap-listener', t.value.id, produced.value.id, room.rtpCapabilities, { paused: false })));
    assert.equal(all.filter((r) => r.ok).length, 2, 'the cap is 2');
    assert.deepEqual(all.filter((r) => !r.ok), [{ ok: false, error: 'cap_reached' }, { ok: false, error: 'cap_reached' }]);
  });

  it('a consumer made with paused: false forwards at once; one made by default waits for its resume', { timeout: 10_000 }, async () => {
    const plain = { listenIp: '127.0.0.1', rtcpMux: true, comedia: false };
    const src = await room.createPlainTransport('rtp-speaker', { ...plain, comedia: true });
    assert.ok(src.ok);
    const produced = await room.produce('rtp-speaker', src.value.id, { ...opusParameters(7777), mid: undefined }, false);
    assert.ok(produced.ok, JSON.stringify(produced));
    const sockets: dgram.Socket[] = [];
    const receiver = async (peerId: string, paused: boolean | undefined): Promise<{ got: () => number; consumerId: string }> => {
      const socket = dgram.createSocket('udp4');
      sockets.push(socket);
      let got = 0;
      socket.on('message', (m) => { if (m.length >= 12 && !(m[1]! >= 200 && m[1]! <= 206)) got++; });
      await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
      const t = await room.createPlainTransport(peerId, plain);
      assert.ok(t.ok);
      await t.value.connect({ ip: '127.0.0.1', port: socket.address().port });
      const c = await room.consume(peerId, t.value.id, produced.value.id, room.rtpCapabilities, paused === undefined ? {} : { paused });
      assert.ok(c.ok, JSON.stringify(c));
      return { got: () => got, consumerId: c.value.id };
    };
    const running = await receiver('rtp-running', false);
    const waiting = await receiver('rtp-waiting', undefined);
    const sender = dgram.createSocket('udp4');
    sockets.push(sender);
    let seq = 0;
    const packet = (): Buffer => {
      const b = Buffer.alloc(60, 0xab);
      b[0] = 0x80;
      b[1] = 111;
      b.writeUInt16BE(seq & 0xffff, 2);
      b.writeUInt32BE((seq++ * 960) >>> 0, 4);
      b.writeUInt32BE(7777, 8);
      return b;
    };
    const timer = setInterval(() => sender.send(packet(), src.value.tuple.localPort, '127.0.0.1'), 20);
    try {
      const deadline = Date.now() + 5000;
      while (running.got() < 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.ok(running.got() >= 5, `the running consumer forwarded ${running.got()} packets`);
      assert.equal(waiting.got(), 0, 'the default consumer is paused until resumed');
      assert.ok((await room.resumeConsumer('rtp-waiting', waiting.consumerId)).ok);
      while (waiting.got() < 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      assert.ok(waiting.got() >= 5, `after its resume: ${waiting.got()} packets`);
    } finally {
      clearInterval(timer);
      for (const s of sockets) s.close();
    }
  });

  it('caps the incoming bitrate of every WebRTC transport it opens', async () => {
    const transports: types.Transport[] = [];
    worker.observer.once('newrouter', (r: types.Router) => r.observer.on('newtransport', (t: types.Transport) => transports.push(t)));
    const capped = await RoomMedia.create(worker, { listenIp: '127.0.0.1', maxIncomingBitrate: 123_000, log });
    try {
      const t = await capped.createTransport('peer');
      assert.ok(t.ok);
      const made = transports.find((x) => x.id === t.value.id);
      assert.ok(made, 'the transport was seen on the room\'s router');
      // The worker answers a transport's requests in order: a read after the answer sees the cap.
      const [stats] = (await made.getStats()) as types.WebRtcTransportStat[];
      assert.equal(stats?.maxIncomingBitrate, 123_000);
    } finally {
      capped.close();
    }
  });
});
