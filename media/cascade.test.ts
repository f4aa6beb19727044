// Runs real mediasoup workers (MEDIASOUP_WORKER_BIN, set by `npm test`): three
// routers stand for a speaker's source, the room's origin instance A and a
// linked instance B; RTP is sent from a UDP socket of this test.
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { after, before, describe, it } from 'node:test';
import { createWorker, type types } from 'mediasoup';
import { pino } from 'pino';
import { AUDIO_MEDIA_CODECS, CascadePipe, RoomMedia } from './index.js';

const log = pino({ level: 'silent' });

function rtpPacket(seq: number, ssrc: number): Buffer {
  const b = Buffer.alloc(12 + 20);
  b[0] = 0x80;
  b[1] = 100;
  b.writeUInt16BE(seq & 0xffff, 2);
  b.writeUInt32BE(seq * 960, 4);
  b.writeUInt32BE(ssrc, 8);
  b.fill(0xab, 12);
  return b;
}

async function waitUntil(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('cascade pipes between two instances\' routers (real workers, SRTP + RTX)', () => {
  const workers: types.Worker[] = [];
  let source: types.Router;
  let a: RoomMedia;
  let b: RoomMedia;
  const udp = dgram.createSocket('udp4');

  before(async () => {
    for (let i = 0; i < 3; i++) workers.push(await createWorker({ logLevel: 'warn' }));
    source = await workers[0]!.createRouter({ mediaCodecs: AUDIO_MEDIA_CODECS });
    a = await RoomMedia.create(workers[1]!, { listenIp: '127.0.0.1', log });
    b = await RoomMedia.create(workers[2]!, { listenIp: '127.0.0.1', log });
  });
  after(() => {
    udp.close();
    for (const w of workers) w.close();
  });

  /** A producer on the source router fed by this test's UDP socket, piped into A as `peerId`'s. */
  async function speakerOnA(pipeIntoA: CascadePipe, ssrc: number, peerId: string | null): Promise<{ id: string; port: number; sourcePipe: types.PipeTransport }> {
    const plain = await source.createPlainTransport({ listenIp: '127.0.0.1', rtcpMux: true, comedia: true });
    const producer = await plain.produce({
      kind: 'audio',
      rtpParameters: { codecs: [{ mimeType: 'audio/opus', payloadType: 100, clockRate: 48000, channels: 2 }], encodings: [{ ssrc }] },
    });
    const sourcePipe = await source.createPipeTransport({ listenIp: { ip: '127.0.0.1' }, enableSrtp: true, enableRtx: true });
    await sourcePipe.connect({ ip: pipeIntoA.local.ip, port: pipeIntoA.local.port, srtpParameters: pipeIntoA.local.srtpParameters });
    const consumer = await sourcePipe.consume({ producerId: producer.id });
    if (peerId) {
      const got = await pipeIntoA.receive(peerId, { producerId: producer.id, kind: 'audio', rtpParameters: consumer.rtpParameters, paused: false });
      assert.ok(got.ok);
    }
    return { id: producer.id, port: plain.tuple.localPort, sourcePipe };
  }

  it('pipes a producer of A once into B, where it arrives as a producer of the same id; RTP for a producer never granted creates nothing', async () => {
    const intoA = await CascadePipe.open(a, { listenIp: '127.0.0.1' });
    const speaker = await speakerOnA(intoA, 1111, 'speaker');
    await intoA.connect({ ip: '127.0.0.1', port: speaker.sourcePipe.tuple.localPort, srtpParameters: speaker.sourcePipe.srtpParameters! });
    assert.equal(a.producerOwner(speaker.id), 'speaker');

    // The link A -> B: each side's endpoint (address and SRTP keys) goes to the other.
    const aSide = await CascadePipe.open(a, { listenIp: '127.0.0.1' });
    const bSide = await CascadePipe.open(b, { listenIp: '127.0.0.1' });
    assert.equal(aSide.local.srtpParameters.cryptoSuite, 'AEAD_AES_256_GCM');
    assert.ok((await aSide.connect(bSide.local)).ok);
    assert.ok((await bSide.connect(aSide.local)).ok);
    assert.equal((await aSide.connect(bSide.local)).ok, false, 'a pipe connects once');
    const added: string[] = [];
    b.on('producerAdded', ({ producerId }) => added.push(producerId));
    const piped = await aSide.send(speaker.id);
    assert.ok(piped.ok);
    // Asked again (a second listener on B), the same pipe consumer answers: one per producer per link.
    assert.ok((await aSide.send(speaker.id)).ok);
    assert.equal(aSide.sentCount, 1);
    assert.ok((await bSide.receive('speaker', piped.value)).ok);
    assert.deepEqual(added, [speaker.id], 'B\'s room has the producer under the same id');
    assert.equal(b.producerOwner(speaker.id), 'speaker');

    // RTP flows source -> A -> B, encrypted on both pipes.
    let seq = 0;
    const send = setInterval(() => udp.send(rtpPacket(seq++, 1111), speaker.port, '127.0.0.1'), 20);
    try {
      await waitUntil(async () => (await bSide.receivedPackets(speaker.id)) > 10, 5_000, 'packets at B');
    } finally {
      clearInterval(send);
    }

    // A second producer reaches A's pipe, but A never granted it: no producer appears on A or B.
    const rogue = await speakerOnA(intoA, 2222, null);
    const before = (await intoA.stats()).bytesReceived;
    const rogueSend = setInterval(() => udp.send(rtpPacket(seq++, 2222), rogue.port, '127.0.0.1'), 20);
    try {
      await waitUntil(async () => (await intoA.stats()).bytesReceived > before + 500, 5_000, 'rogue RTP to reach A\'s pipe');
    } finally {
      clearInterval(rogueSend);
    }
    assert.equal(a.producerOwner(rogue.id), undefined);
    assert.equal((await aSide.send(rogue.id)).ok, false, 'A cannot forward what it never produced');
    assert.equal(b.producerOwner(rogue.id), undefined);

    // Closing the speaker on A closes what B received of it.
    // (the link's control channel carries the close; here the callback stands for it)
    aSide.onSendEnded((id) => bSide.stopReceiving(id));
    const closed = new Promise<string>((resolve) => b.once('producerClosed', ({ producerId }) => resolve(producerId)));
    a.closePeer('speaker');
    assert.equal(await closed, speaker.id);
    assert.equal(aSide.sentCount, 0);
    bSide.close();
    aSide.close();
    intoA.close();
  });
});
