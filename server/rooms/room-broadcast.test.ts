/**
 * How a live room broadcasts its state (ADR 0036), with its media registry
 * FAKED (no media is used: only the links' events are looked at): changes are
 * folded into a bounded number of broadcasts, a listener far down a big
 * audience gets the counts only, and the audience is paged.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pino from 'pino';
import type { RoomMedia, RoomMediaRegistry } from '../../media/index.js';
import { ok } from '../core/result.js';
import { FakeMedia, fakeGrants, fakeRoomRecord } from '../../test/helpers/live-room-fakes.js';
import { LiveRoom } from './live-room.js';
import type { ParticipantEvent, ParticipantLink } from './ports.js';
import { AUDIENCE_HEAD, type Arrival } from './stage.js';

const record = fakeRoomRecord;
const grants = fakeGrants;

function newRoom(intervalMs: number): LiveRoom {
  const media = new FakeMedia();
  const registry = {
    getOrCreate: () => Promise.resolve(ok({ media: media as unknown as RoomMedia, created: false })),
    close: () => Promise.resolve(),
  } as unknown as RoomMediaRegistry;
  return new LiveRoom(record, {
    registry, grants, log: pino({ level: 'silent' }), idleMs: 60_000, stateIntervalMs: intervalMs,
    onIdle: () => undefined, onBan: () => undefined, onEnded: () => Promise.resolve(),
  });
}

class Recorder implements ParticipantLink {
  readonly events: ParticipantEvent[] = [];
  #waiters: (() => void)[] = [];
  send(e: ParticipantEvent): void {
    this.events.push(e);
    for (const w of this.#waiters.splice(0)) w();
  }
  departed(): void {}
  /** Resolves once an event matches (or fails after `ms`). */
  async until(match: (e: ParticipantEvent) => boolean, ms = 3_000): Promise<ParticipantEvent> {
    const deadline = Date.now() + ms;
    for (;;) {
      const hit = this.events.find(match);
      if (hit) return hit;
      if (Date.now() > deadline) assert.fail(`no matching event in ${ms} ms; got ${this.events.map((e) => e.kind).join(',')}`);
      await new Promise<void>((resolve) => {
        this.#waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }
}

const persona = (id: string): Arrival => ({ id, kind: 'persona', handle: id, displayName: id, hidden: false });
const guest = (i: number): Arrival => ({ id: `guest:${i}`, kind: 'guest', handle: null, displayName: null, hidden: true });
const listenerCount = (e: ParticipantEvent): number | undefined =>
  e.kind === 'state' ? e.room.listenerCount : e.kind === 'counts' ? e.counts.listenerCount : undefined;

describe('room state broadcasts (media registry FAKED)', () => {
  it('folds a burst of 200 joins into a few broadcasts, the last one right', async () => {
    const interval = 200;
    const room = newRoom(interval);
    const observer = new Recorder();
    assert.ok((await room.join(persona('obs'), observer)).ok);
    await new Promise((r) => setTimeout(r, interval + 50));
    observer.events.length = 0;
    const t0 = Date.now();
    const joined = await Promise.all(Array.from({ length: 200 }, (_, i) => room.join(guest(i), new Recorder())));
    assert.ok(joined.every((j) => j.ok));
    await observer.until((e) => listenerCount(e) === 201);
    const elapsed = Date.now() - t0;
    const broadcasts = observer.events.filter((e) => e.kind === 'state' || e.kind === 'counts').length;
    assert.ok(broadcasts <= 2 + Math.ceil(elapsed / interval), `${broadcasts} broadcasts in ${elapsed} ms`);
    // Only the counts moved for the observer: no full state for guests joining.
    assert.ok(observer.events.every((e) => e.kind === 'counts'), observer.events.map((e) => e.kind).join(','));
    await room.end('server_shutdown');
  });

  it('sends a listener beyond the audience head the counts, and the full state when its own part changes', async () => {
    const room = newRoom(50);
    const links = new Map<string, Recorder>();
    for (let i = 0; i < AUDIENCE_HEAD + 10; i++) {
      const link = new Recorder();
      links.set(`p${i}`, link);
      assert.ok((await room.join(persona(`p${i}`), link)).ok);
    }
    await new Promise((r) => setTimeout(r, 150));
    const far = links.get(`p${AUDIENCE_HEAD + 5}`)!;
    const head = links.get('p0')!;
    far.events.length = 0;
    head.events.length = 0;
    assert.ok((await room.join(persona('late'), new Recorder())).ok);
    const counts = await far.until((e) => e.kind === 'counts');
    assert.equal(counts.kind === 'counts' && counts.counts.audienceCount, AUDIENCE_HEAD + 11);
    assert.ok(far.events.every((e) => e.kind === 'counts'), 'no full state: nothing it sees but the counts changed');
    assert.ok(head.events.every((e) => e.kind === 'counts'));
    far.events.length = 0;
    assert.ok((await room.command(`p${AUDIENCE_HEAD + 5}`, { type: 'raiseHand' })).ok);
    const state = await far.until((e) => e.kind === 'state');
    assert.ok(state.kind === 'state' && state.room.handRaised && state.room.self?.id === `p${AUDIENCE_HEAD + 5}`);
    assert.equal(state.kind === 'state' && state.room.audience.length, AUDIENCE_HEAD);
    const page = await room.audiencePage('p0', AUDIENCE_HEAD, 100);
    assert.ok(page.ok);
    assert.deepEqual(page.value.audience.map((p) => p.id), [...Array.from({ length: 10 }, (_, i) => `p${AUDIENCE_HEAD + i}`), 'late']);
    assert.equal(page.value.next, null);
    const stranger = await room.audiencePage('nobody', 0, 10);
    assert.ok(!stranger.ok && stranger.error.kind === 'stage' && stranger.error.error === 'not_in_room');
    await room.end('server_shutdown');
  });
});
