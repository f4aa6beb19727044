/**
 * Federation's `actorPurged` event reaches live rooms at once (the wiring of
 * the composition root): a purged actor's participant is out of every room
 * with `persona_deleted`, everyone else stays.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startRoomsHarness, type RoomsHarness } from '../../test/helpers/rooms-harness.js';

describe('an actor purge removes the actor from live rooms', () => {
  let h: RoomsHarness;
  before(async () => (h = await startRoomsHarness()));
  after(() => h.close());

  it('the purged actor leaves at once with persona_deleted; the others see it gone', { timeout: 20_000 }, async () => {
    const host = await h.person('purge_host');
    const gone = await h.person('purge_gone');
    const roomId = String((await host.client.post('/api/v1/rooms', { title: 'Purge', visibility: 'public' })).body.id);
    const hostSocket = await h.signal(host.cookie);
    const goneSocket = await h.signal(gone.cookie);
    try {
      await hostSocket.ok('join', { roomId });
      await goneSocket.ok('join', { roomId });
      const actorId = (await h.store.personas.findById(gone.personaId))?.actorId;
      assert.ok(actorId, 'the persona has an actor');

      // The host saw the listener arrive, so only the removal can bring the count back to 0.
      await hostSocket.room((room) => room.listenerCount === 1, 3_000);
      const left = goneSocket.event('left', () => true, 3_000);
      const seenGone = hostSocket.room((room) => room.listenerCount === 0, 3_000);
      // Awaited below; a failure before that must not also surface as an unhandled rejection.
      left.catch(() => undefined);
      seenGone.catch(() => undefined);
      await h.federation.personas.purgeRemoteActor(actorId);
      // The purge answered: the removal already happened (listeners are awaited).
      assert.equal(h.rooms.service.live(roomId)?.stage.participant(gone.personaId), undefined, 'out of the room when the purge returns');
      assert.equal((await left).data.reason, 'persona_deleted');
      await seenGone;
      assert.ok(h.rooms.service.live(roomId)?.stage.participant(host.personaId), 'the host stays');
    } finally {
      hostSocket.close();
      goneSocket.close();
    }
  });
});
