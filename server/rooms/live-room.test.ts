/**
 * LiveRoom with its media registry FAKED (a worker death and a registry
 * that then fails cannot be staged with real workers on demand): the room's
 * reaction to losing its media must never become an unhandled rejection.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import pino from 'pino';
import type { RoomMedia, RoomMediaRegistry } from '../../media/index.js';
import { err, ok } from '../core/result.js';
import { FakeMedia, fakeGrants, fakeRoomRecord } from '../../test/helpers/live-room-fakes.js';
import { LiveRoom } from './live-room.js';
import type { ParticipantEvent, ParticipantLink } from './ports.js';

const record = fakeRoomRecord;
const grants = fakeGrants;

describe('LiveRoom (media registry FAKED)', () => {
  it('a failed move to a live worker is logged, not an unhandled rejection', async () => {
    const media = new FakeMedia();
    let calls = 0;
    const registry = {
      getOrCreate: () => {
        calls++;
        if (calls === 1) return Promise.resolve(ok({ media: media as unknown as RoomMedia, created: true }));
        return Promise.reject(new Error('registry broke while moving the room'));
      },
      close: () => Promise.resolve(),
    } as unknown as RoomMediaRegistry;
    const lines: string[] = [];
    let logged: (() => void) | undefined;
    const failureLogged = new Promise<void>((resolve) => (logged = resolve));
    const log = pino({ level: 'error' }, new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        if (chunk.toString().includes('moving the room to a live worker failed')) logged?.();
        done();
      },
    }));
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const room = new LiveRoom(record, {
        registry, grants, log, idleMs: 60_000,
        onIdle: () => undefined, onBan: () => undefined, onEnded: () => Promise.resolve(),
      });
      const events: ParticipantEvent[] = [];
      const link: ParticipantLink = { send: (e) => events.push(e), departed: () => undefined };
      const joined = await room.join({ id: 'guest:a', kind: 'guest', handle: null, displayName: null, hidden: true }, link);
      assert.ok(joined.ok, 'joined');

      media.emit('close', 'worker_died');
      await Promise.race([
        failureLogged,
        new Promise((_, reject) => setTimeout(() => reject(new Error(`no failure logged; log: ${lines.join('')}`)), 2_000)),
      ]);
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(unhandled, [], 'no unhandled rejection');
      assert.equal(calls, 2, 'the room tried to move');
      assert.equal(events.some((e) => e.kind === 'mediaMoved'), false, 'nobody told to reconnect to media that does not exist');
      await room.end('server_shutdown');
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('waits for a replacement worker when every worker died, then tells everyone to reconnect', async () => {
    const dead = new FakeMedia();
    const fresh = new FakeMedia();
    let calls = 0;
    let workerUp: ((alive: boolean) => void) | undefined;
    const registry = {
      getOrCreate: () => {
        calls++;
        if (calls === 1) return Promise.resolve(ok({ media: dead as unknown as RoomMedia, created: true }));
        // No worker alive until the pool replaced one.
        if (!workerUp || calls === 2) return Promise.resolve(err('no-worker-alive'));
        return Promise.resolve(ok({ media: fresh as unknown as RoomMedia, created: true }));
      },
      whenWorkerAlive: () => new Promise<boolean>((resolve) => (workerUp = resolve)),
      close: () => Promise.resolve(),
    } as unknown as RoomMediaRegistry;
    const room = new LiveRoom(record, {
      registry, grants, log: pino({ level: 'silent' }), idleMs: 60_000,
      onIdle: () => undefined, onBan: () => undefined, onEnded: () => Promise.resolve(),
    });
    const events: ParticipantEvent[] = [];
    let moved: (() => void) | undefined;
    const movedSeen = new Promise<void>((resolve) => (moved = resolve));
    const link: ParticipantLink = {
      send: (e) => {
        events.push(e);
        if (e.kind === 'mediaMoved') moved?.();
      },
      departed: () => undefined,
    };
    assert.ok((await room.join({ id: 'guest:b', kind: 'guest', handle: null, displayName: null, hidden: true }, link)).ok);
    dead.emit('close', 'worker_died');
    const deadline = Date.now() + 2_000;
    while (!workerUp && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.ok(workerUp, 'the room waits for a live worker');
    assert.equal(events.some((e) => e.kind === 'mediaMoved'), false, 'nobody told to reconnect before a worker is back');
    workerUp(true);
    await movedSeen;
    assert.equal(room.media, fresh as unknown as RoomMedia, 'the room runs on the new media');
    await room.end('server_shutdown');
  });
});
