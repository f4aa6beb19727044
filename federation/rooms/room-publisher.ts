/**
 * Sends a local room's lifecycle to the fediverse: `Create(Event)` when it is
 * created or scheduled, `Update(Event)` when it goes live, ends, is renamed or
 * its stage changes, `Delete` when it is deleted. Stage and detail changes
 * are coalesced to at most one Update per room per interval (5 s): the first
 * goes at once, later ones wait for the interval and carry the room as it is
 * then. Going live and ending are sent at once (each happens once per room)
 * and fold any waiting Update into themselves. Per room, activities leave in
 * the order of the changes.
 */
import type { Logger } from '../../server/core/logging/logger.js';
import type { FederatedRoom, LocalRoomSource } from './room-event.js';

/** What happened to a local room. */
export type RoomChange = 'created' | 'started' | 'details' | 'stage' | 'ended';

/** Builds and queues the activities (apex-backed in production, recorded in tests). */
export interface RoomActivitySender {
  create(room: FederatedRoom): Promise<void>;
  update(room: FederatedRoom): Promise<void>;
  remove(room: FederatedRoom): Promise<void>;
}

export interface RoomPublisherDeps {
  sender: RoomActivitySender;
  /** The rooms service, set once rooms are built (federation is built first). */
  source: () => LocalRoomSource | undefined;
  log: Logger;
  /** Least time between two coalesced Updates of one room. */
  minUpdateIntervalMs?: number;
  now?: () => number;
}

interface RoomState {
  lastUpdateAt: number;
  timer: NodeJS.Timeout | undefined;
  /** Every send of this room chains here, so activities leave in order. */
  chain: Promise<void>;
}

export const UPDATE_INTERVAL_MS = 5_000;

export class RoomPublisher {
  readonly #rooms = new Map<string, RoomState>();
  readonly #interval: number;
  readonly #now: () => number;
  #closed = false;

  constructor(private readonly deps: RoomPublisherDeps) {
    this.#interval = deps.minUpdateIntervalMs ?? UPDATE_INTERVAL_MS;
    this.#now = deps.now ?? Date.now;
  }

  /** A local room changed; never throws (failures are logged). */
  changed(change: RoomChange, roomId: string): void {
    if (this.#closed) return;
    const state = this.#state(roomId);
    switch (change) {
      case 'created':
        this.#enqueue(roomId, state, 'create');
        return;
      case 'started':
      case 'ended':
        this.#cancel(state);
        state.lastUpdateAt = this.#now();
        this.#enqueue(roomId, state, 'update');
        if (change === 'ended') this.#forgetWhenIdle(roomId, state);
        return;
      case 'details':
      case 'stage': {
        if (state.timer) return; // an Update is waiting: it will carry this change too
        const wait = state.lastUpdateAt + this.#interval - this.#now();
        if (wait <= 0) {
          state.lastUpdateAt = this.#now();
          this.#enqueue(roomId, state, 'update');
          return;
        }
        state.timer = setTimeout(() => {
          state.timer = undefined;
          state.lastUpdateAt = this.#now();
          this.#enqueue(roomId, state, 'update');
        }, wait);
        state.timer.unref();
      }
    }
  }

  /** A local room was deleted: `Delete` goes to whoever received it (the room is gone from the store, so it is passed in). */
  deleted(room: FederatedRoom): void {
    if (this.#closed) return;
    const state = this.#state(room.room.id);
    this.#cancel(state);
    state.chain = state.chain.then(() => this.deps.sender.remove(room)).catch((e: unknown) => {
      this.deps.log.error({ err: e, roomId: room.room.id }, 'room Delete not sent');
    });
    this.#forgetWhenIdle(room.room.id, state);
  }

  /** Waits for every queued send (tests, shutdown). */
  async idle(): Promise<void> {
    await Promise.all([...this.#rooms.values()].map((s) => s.chain));
  }

  /** Stops timers; waiting coalesced Updates are dropped (the Event served at the room's id stays current). */
  close(): void {
    this.#closed = true;
    for (const state of this.#rooms.values()) this.#cancel(state);
    this.#rooms.clear();
  }

  #state(roomId: string): RoomState {
    let state = this.#rooms.get(roomId);
    if (!state) {
      state = { lastUpdateAt: Number.NEGATIVE_INFINITY, timer: undefined, chain: Promise.resolve() };
      this.#rooms.set(roomId, state);
    }
    return state;
  }

  #cancel(state: RoomState): void {
    clearTimeout(state.timer);
    state.timer = undefined;
  }

  #enqueue(roomId: string, state: RoomState, kind: 'create' | 'update'): void {
    state.chain = state.chain.then(async () => {
      // The room as it is when its turn comes: a coalesced Update carries every change before it.
      const room = await this.deps.source()?.federatedRoom(roomId);
      if (!room) return;
      await (kind === 'create' ? this.deps.sender.create(room) : this.deps.sender.update(room));
    }).catch((e: unknown) => {
      this.deps.log.error({ err: e, roomId, kind }, 'room activity not sent');
    });
  }

  #forgetWhenIdle(roomId: string, state: RoomState): void {
    const chain = state.chain;
    void chain.then(() => {
      if (this.#rooms.get(roomId) === state && state.chain === chain && !state.timer) this.#rooms.delete(roomId);
    });
  }
}
