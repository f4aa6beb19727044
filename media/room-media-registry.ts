/**
 * Room media by room id. Creating or fetching a room's media goes through one
 * queue per room id, so two joins racing for a new room get the same router;
 * a room's media removes itself from the registry when it closes.
 */
import { err, ok, type Result } from '../server/core/result.js';
import { RoomMedia, type RoomMediaOptions } from './room-media.js';
import type { MediaWorkerPool, WorkerPickError } from './worker-pool.js';

export class RoomMediaRegistry {
  readonly #media = new Map<string, RoomMedia>();
  readonly #queues = new Map<string, Promise<unknown>>();

  constructor(
    private readonly pool: MediaWorkerPool,
    private readonly options: RoomMediaOptions,
  ) {}

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
      const worker = this.pool.leastLoaded();
      if (!worker.ok) return err(worker.error);
      const media = await RoomMedia.create(worker.value, { ...this.options, webRtcServer: this.pool.webRtcServerOf(worker.value) });
      this.#media.set(roomId, media);
      media.once('close', () => {
        if (this.#media.get(roomId) === media) this.#media.delete(roomId);
      });
      return ok({ media, created: true });
    });
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
