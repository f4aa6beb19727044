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
