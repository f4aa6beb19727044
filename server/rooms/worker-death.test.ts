/**
 * A media worker dies under a live room: the room moves to a live worker and
 * every connected client gets a reconnect instruction (real workers; the
 * browser side of the recovery is in test/e2e/rooms-browser.test.ts).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startRoomsHarness, type RoomsHarness } from '../../test/helpers/rooms-harness.js';

describe('room recovery from a media worker death (real workers)', () => {
  let h: RoomsHarness;
  before(async () => (h = await startRoomsHarness({ workers: 2 })));
  after(() => h.close());

  it('recreates the router on a live worker and tells clients to reconnect', { timeout: 30_000 }, async () => {
    const host = await h.person('wd_host');
    const roomId = String((await host.client.post('/api/v1/rooms', { title: 'Fragile', visibility: 'public' })).body.id);
    const c = await h.signal(host.cookie);
    const guest = await h.signal();
    try {
      const joined = await c.ok('join', { roomId });
      await guest.ok('join', { roomId });
      const grant = (joined.grant as { token: string }).token;
      const t = await c.ok('createTransport', { grant, direction: 'send' });
      const rtpParameters = { codecs: [{ mimeType: 'audio/opus', payloadType: 111, clockRate: 48000, channels: 2 }], encodings: [{ ssrc: 2222 }] };
      await c.ok('produce', { grant, transportId: t.id, rtpParameters });
      const second = await c.request('produce', { grant, transportId: t.id, rtpParameters: { ...rtpParameters, encodings: [{ ssrc: 3333 }] } });
      assert.equal(second.ok ? 'ok' : second.error.code, 'cap_reached', 'one producer per speaker');

      const live = h.rooms.service.live(roomId);
      const pid = live?.media?.workerPid;
      assert.ok(live && pid);
      const started = Date.now();
      process.kill(pid, 'SIGKILL');
      const [forHost, forGuest] = await Promise.all([c.event('reconnect', () => true, 5_000), guest.event('reconnect', () => true, 5_000)]);
      assert.ok(Date.now() - started < 2_000, `reconnect sent after ${Date.now() - started} ms`);
      assert.equal(forHost.data.reason, 'worker_died');
      assert.ok(forGuest.data.routerRtpCapabilities);
      const moved = live.media?.workerPid;
      assert.ok(moved && moved !== pid, 'the room runs on another worker');
      // The old transport is gone with the old router; a new one opens on the new router.
      const stale = await c.request('connectTransport', { grant, transportId: t.id, dtlsParameters: { role: 'client', fingerprints: [{ algorithm: 'sha-256', value: 'AA' }] } });
      assert.equal(stale.ok ? 'ok' : stale.error.code, 'no_such_transport');
      assert.ok((await c.ok('createTransport', { grant, direction: 'send' })).id);
      assert.deepEqual((await guest.ok('listProducers', { grant: (await guest.ok('refreshGrant')).token })).producers, []);
    } finally {
      c.close();
      guest.close();
    }
  });
});

describe('a room spread over two workers loses one of them (real workers)', () => {
  let h: RoomsHarness;
  // Spread from the first consumer on: the second participant already goes to the other worker.
  before(async () => (h = await startRoomsHarness({ workers: 2, env: { HEARTH_MEDIA_SPREAD_CONSUMERS: '1' } })));
  after(() => h.close());

  it('places a listener on the other worker, and its death tells only the participants placed there to reconnect', { timeout: 30_000 }, async () => {
    const host = await h.person('sp_host');
    const roomId = String((await host.client.post('/api/v1/rooms', { title: 'Wide', visibility: 'public' })).body.id);
    const c = await h.signal(host.cookie);
    const guest = await h.signal();
    try {
      const grant = ((await c.ok('join', { roomId })).grant as { token: string }).token;
      const t = await c.ok('createTransport', { grant, direction: 'send' });
      const rtpParameters = { codecs: [{ mimeType: 'audio/opus', payloadType: 111, clockRate: 48000, channels: 2 }], encodings: [{ ssrc: 4444 }] };
      const producerId = String((await c.ok('produce', { grant, transportId: t.id, rtpParameters })).id);

      const joined = await guest.ok('join', { roomId });
      const guestId = String(joined.participantId);
      const guestGrant = (joined.grant as { token: string }).token;
      const rtpCapabilities = joined.routerRtpCapabilities;
      const recv = await guest.ok('createTransport', { grant: guestGrant, direction: 'recv' });
      const live = h.rooms.service.live(roomId);
      const media = live?.media;
      assert.ok(media);
      const hostPid = media.workerPid;
      const guestPid = media.peerWorkerPid(guestId);
      assert.ok(hostPid && guestPid && hostPid !== guestPid, 'the listener is on the other worker');
      // The speaker's producer was piped to the listener's router: it consumes it there.
      const consumed = await guest.ok('consume', { grant: guestGrant, transportId: recv.id, producerId, rtpCapabilities });
      assert.equal(consumed.producerId, producerId);

      const from = c.events.length;
      process.kill(guestPid, 'SIGKILL');
      const told = await guest.event('reconnect', () => true, 5_000);
      assert.equal(told.data.reason, 'worker_died');
      assert.equal(c.events.slice(from).some((e) => e.event === 'reconnect'), false, 'the speaker on the surviving worker is not told to reconnect');
      assert.equal(live.media, media, 'the room keeps its media and its first router');
      assert.deepEqual(media.workerPids(), [hostPid]);
      // The listener opens a new transport and hears the speaker again.
      const again = await guest.ok('createTransport', { grant: guestGrant, direction: 'recv' });
      assert.equal((await guest.ok('consume', { grant: guestGrant, transportId: again.id, producerId, rtpCapabilities })).producerId, producerId);
    } finally {
      c.close();
      guest.close();
    }
  });
});
