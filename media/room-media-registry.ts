/**
 * Room media by room id. Creating or fetching a room's media goes through one
 * queue per room id, so two joins racing for a new room get the same router;
 * a room's media removes itself from the registry when it closes.
 */
import { err, ok, type Result } from '../server/core/result.js';
import { RoomMedia, type RoomMediaOptions } from './room-media.js';
import type { WorkerSource } from './room-routers.js';
import type { MediaWorkerPool, WorkerPickError } from './worker-pool.js';

/** How rooms are made: RoomMedia's options, and when a room grows a router on another worker (ADR 0040). */
export interface RoomMediaRegistryOptions extends Omit<RoomMediaOptions, 'webRtcServer' | 'spread'> {
  /** A room spreads to another worker once each of its routers carries this many consumers; 0: never. */
  spreadConsumersPerRouter?: number;
}

export class RoomMediaRegistry {
  readonly #media = new Map<string, RoomMedia>();
  readonly #queues = new Map<string, Promise<unknown>>();
  readonly #workers: WorkerSource;

  constructor(
    private readonly pool: MediaWorkerPool,
    private readonly options: RoomMediaRegistryOptions,
  ) {
    this.#workers = {
      pickWorker: (exclude) => {
        const picked = pool.leastLoaded(exclude);
        return picked.ok ? picked.value : undefined;
      },
      webRtcServerOf: (worker) => pool.webRtcServerOf(worker),
    };
  }

  /** The room's live media, if it has one. */
  get(roomId: string): RoomMedia | undefined {
    const media = this.#media.get(roomId);
    return media && !media.closed ? media : undefined;
  }

  /**
   * The room's media, created on the least-loaded live worker when it has
   * none (or its old one closed). `created` says whether it is new.
   */
  getOrCreate(roomId: string): Promise<Result<{ media: RoomMedia; created: boolean }, WorkerPickError>> {
    return this.#enqueue(roomId, async () => {
      const existing = this.get(roomId);
      if (existing) return ok({ media: existing, created: false });
      const media = await this.#create();
      if (!media.ok) return media;
      this.#media.set(roomId, media.value);
      media.value.once('close', () => {
        if (this.#media.get(roomId) === media.value) this.#media.delete(roomId);
      });
      return ok({ media: media.value, created: true });
    });
  }

  /**
   * Waits (at most `timeoutMs`) for a live media worker: true when one runs.
   * A room whose every worker died waits here before it is made anew.
   */
  whenWorkerAlive(timeoutMs: number): Promise<boolean> {
    return this.pool.whenAlive(timeoutMs);
  }

  /**
   * A room's media on the least-loaded live worker. A worker that died just
   * now may still be picked before the pool has heard of its death (every
   * worker killed at once): creating on it fails, and the next live one is
   * tried, so the caller sees `no-worker-alive` rather than an exception.
   */
  async #create(): Promise<Result<RoomMedia, WorkerPickError>> {
    const { spreadConsumersPerRouter, ...options } = this.options;
    const spread = spreadConsumersPerRouter ? { consumersPerRouter: spreadConsumersPerRouter, workers: this.#workers } : undefined;
    for (let attempt = 0; ; attempt++) {
      const worker = this.pool.leastLoaded();
      if (!worker.ok) return err(worker.error);
      try {
        return ok(await RoomMedia.create(worker.value, { ...options, webRtcServer: this.pool.webRtcServerOf(worker.value), spread }));
      } catch (e) {
        if (!worker.value.closed || attempt >= this.pool.size) throw e;
      }
    }
  }

  /** Closes the room's media (the room ended). */
  close(roomId: string): Promise<void> {
    return this.#enqueue(roomId, () => {
      this.#media.get(roomId)?.close();
      this.#media.delete(roomId);
      return Promise.resolve();
    });
  }

  /** WebRTC transports open (or being opened) in every room. */
  transportCount(): number {
    let total = 0;
    for (const media of this.#media.values()) if (!media.closed) total += media.transportCount();
    return total;
  }

  /** Number of rooms with media. */
  get size(): number {
    return this.#media.size;
  }

  #enqueue<T>(roomId: string, task: () => Promise<T>): Promise<T> {
    const previous = this.#queues.get(roomId) ?? Promise.resolve();
    const next = previous.then(task, task);
    const settled = next.then(() => undefined, () => undefined);
    this.#queues.set(roomId, settled);
    void settled.then(() => {
      if (this.#queues.get(roomId) === settled) this.#queues.delete(roomId);
    });
    return next;
  }
}
