/**
 * FAKED parts of a live room for tests that look only at its links' events
 * (server/rooms/live-room.test.ts, room-broadcast.test.ts): just enough of
 * RoomMedia for joins and a worker death, a live room record, and a grant
 * issuer that signs nothing.
 */
import { EventEmitter } from 'node:events';
import type { GrantIssuer } from '../../server/rooms/grants.js';
import type { RoomRecord } from '../../server/store/index.js';

export class FakeMedia extends EventEmitter {
  closed = false;
  rtpCapabilities = { codecs: [] };
  producers(): [] {
    return [];
  }
  closePeer(): void {}
}

export const fakeRoomRecord: RoomRecord = {
  id: 'room1', hostPersonaId: 'host', title: 'T', description: '', visibility: 'public', state: 'live', maxSpeakers: 5,
  createdAt: new Date(), startedAt: new Date(), scheduledFor: null, endedAt: null,
};

export const fakeGrants = {
  issue: (g: { role: string }) => Promise.resolve({ token: 't', grant: { ...g, canPublish: false, canSubscribe: true, exp: 0 } }),
} as unknown as GrantIssuer;
