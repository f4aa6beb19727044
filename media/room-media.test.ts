/**
 * A room's media on a real mediasoup worker: per-peer caps on transports,
 * producers and consumers, and ownership checks between peers.
 */
import assert from 'node:assert/strict';
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
});
