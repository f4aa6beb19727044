/**
 * The publisher's ordering and coalescing, with a recording sender standing
 * in for apex and the delivery queue (the e2e tests run the real ones).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger } from '../../server/core/logging/logger.js';
import type { RoomRecord } from '../../server/store/index.js';
import type { FederatedRoom } from './room-event.js';
import { RoomPublisher, type RoomActivitySender } from './room-publisher.js';

const log = createLogger({ level: 'silent', logIpAddresses: false });
const INTERVAL = 300;

function bed(): { publisher: RoomPublisher; sent: string[]; state: { listeners: number; state: RoomRecord['state'] } } {
  const state = { listeners: 0, state: 'live' as RoomRecord['state'] };
  const sent: string[] = [];
  const room = (): FederatedRoom => ({
    room: {
      id: 'r1', hostPersonaId: 'p1', title: 'T', description: '', visibility: 'public', state: state.state, maxSpeakers: 10,
      createdAt: new Date(), scheduledFor: null, startedAt: new Date(), endedAt: null,
    },
    hostActorId: 'https://a.test/u/owl', speakerActorIds: [], listenerCount: state.listeners,
  });
  const sender: RoomActivitySender = {
    create: (r) => Promise.resolve(void sent.push(`create:${r.listenerCount}`)),
    update: (r) => Promise.resolve(void sent.push(`update:${r.room.state}:${r.listenerCount}`)),
    remove: () => Promise.resolve(void sent.push('delete')),
  };
  const publisher = new RoomPublisher({ sender, source: () => ({ federatedRoom: () => Promise.resolve(room()) }), log, minUpdateIntervalMs: INTERVAL });
  return { publisher, sent, state };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('room publisher', () => {
  it('sends the first stage change at once and coalesces the rest into one Update carrying the latest state', async () => {
    const { publisher, sent, state } = bed();
    publisher.changed('created', 'r1');
    for (let i = 1; i <= 5; i++) {
      state.listeners = i;
      publisher.changed('stage', 'r1');
    }
    await publisher.idle();
    assert.deepEqual(sent, ['create:5', 'update:live:5'], 'Create, then one immediate Update');
    state.listeners = 6;
    publisher.changed('stage', 'r1');
    state.listeners = 7;
    publisher.changed('details', 'r1');
    await publisher.idle();
    assert.deepEqual(sent.length, 2, 'nothing more inside the interval');
    await sleep(INTERVAL + 100);
    await publisher.idle();
    assert.deepEqual(sent, ['create:5', 'update:live:5', 'update:live:7'], 'one coalesced Update with the latest state');
    publisher.close();
  });

  it('sends an ending at once, folding a waiting Update into it; a deletion follows in order', async () => {
    const { publisher, sent, state } = bed();
    publisher.changed('stage', 'r1');
    await publisher.idle();
    publisher.changed('stage', 'r1'); // waits for the interval
    state.state = 'ended';
    publisher.changed('ended', 'r1');
    await publisher.idle();
    assert.deepEqual(sent, ['update:live:0', 'update:ended:0']);
    publisher.deleted({
      room: { id: 'r1', hostPersonaId: 'p1', title: 'T', description: '', visibility: 'public', state: 'ended', maxSpeakers: 10, createdAt: new Date(), scheduledFor: null, startedAt: null, endedAt: new Date() },
      hostActorId: 'https://a.test/u/owl', speakerActorIds: [], listenerCount: 0,
    });
    await publisher.idle();
    await sleep(INTERVAL + 100);
    assert.deepEqual(sent, ['update:live:0', 'update:ended:0', 'delete'], 'the waiting Update never went out after the ending');
    publisher.close();
  });
});
