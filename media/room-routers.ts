/**
 * The routers of one room (ADR 0040): a room starts on one router and, when
 * its spread policy says so, grows a router on another worker, so one big
 * room uses every core. Each router knows which producers of the room it
 * holds: its own peers' producers, and a copy (same id, made by mediasoup's
 * `pipeToRouter`) of every producer that lives on another router of the
 * room. mediasoup carries close and pause from a producer to its copies.
 */
import type { types } from 'mediasoup';
import type { Logger } from 'pino';
import { AUDIO_MEDIA_CODECS } from './codecs.js';

/** Where new routers of a room may go: a pool of workers (media/worker-pool.ts). */
export interface WorkerSource {
  /** The least-loaded live worker that is not in `exclude`, or undefined when there is none. */
  pickWorker(exclude: ReadonlySet<types.Worker>): types.Worker | undefined;
  /** The worker's WebRtcServer, if the pool makes them (ADR 0012). */
  webRtcServerOf(worker: types.Worker): types.WebRtcServer | undefined;
}

/**
 * When a room grows a router on another worker: once every router it has
 * carries at least `consumersPerRouter` consumers (0: never, the room stays
 * on one worker). Listeners then go to the least-loaded router of the room.
 */
export interface SpreadPolicy {
  consumersPerRouter: number;
  workers: WorkerSource;
}

/** What placing a peer reads and writes of it (media/room-peers.ts). */
export interface PlacedPeer {
  /** The router its transports go on, once placed. */
  slot: RouterSlot | undefined;
  readonly consumers: ReadonlyMap<string, unknown>;
}

/** One router of a room. */
export interface RouterSlot {
  readonly router: types.Router;
  /** The worker it runs on (undefined: not known, e.g. a router made outside a pool). */
  readonly worker: types.Worker | undefined;
  readonly webRtcServer: types.WebRtcServer | undefined;
  /** Peers whose transports are (or will be) on this router. */
  readonly peers: Set<string>;
  /** Consumers open on this router. */
  consumers: number;
  /** Peers placed here that consume nothing (yet): kept as a count, so placing a peer costs no walk over the room. */
  waiting: number;
  /** Every producer of the room present here (own ones, and copies piped in), by id; undefined: the pipe failed. */
  readonly producers: Map<string, Promise<types.Producer | undefined>>;
}

/** Creates a router of the room (Opus only) on `worker`. */
export async function openRouter(worker: types.Worker, webRtcServer: types.WebRtcServer | undefined): Promise<RouterSlot> {
  const router = await worker.createRouter({ mediaCodecs: AUDIO_MEDIA_CODECS, appData: { workerPid: worker.pid } });
  return { router, worker, webRtcServer, peers: new Set(), consumers: 0, waiting: 0, producers: new Map() };
}

/**
 * Makes a copy of `producerId` (which lives on `from`) on `to`, once, and
 * records it there; the copy disappears from `to` when it closes.
 */
function pipeInto(from: RouterSlot, to: RouterSlot, producerId: string): Promise<types.Producer | undefined> {
  const existing = to.producers.get(producerId);
  if (existing) return existing;
  const copy = from.router
    .pipeToRouter({ producerId, router: to.router, enableSctp: false })
    .then(({ pipeProducer }) => {
      if (!pipeProducer || pipeProducer.closed) return undefined;
      pipeProducer.observer.once('close', () => {
        if (to.producers.get(producerId) === copy) to.producers.delete(producerId);
      });
      return pipeProducer;
    })
    .catch(() => {
      if (to.producers.get(producerId) === copy) to.producers.delete(producerId);
      return undefined;
    });
  to.producers.set(producerId, copy);
  return copy;
}

/**
 * A router's load for placement: its consumers, plus for each of its peers
 * that consumes nothing yet the consumers it is about to open (one per
 * producer of the room), so a burst of joins spreads before anyone consumes.
 */
function loadOf(slot: RouterSlot, producerCount: number): number {
  return slot.consumers + slot.waiting * Math.max(1, producerCount);
}

/** The pid of the worker a router runs on, from its appData. */
export function workerPidOf(slot: RouterSlot): number | undefined {
  const pid = (slot.router.appData as { workerPid?: unknown }).workerPid;
  return typeof pid === 'number' ? pid : undefined;
}

/**
 * The live routers of one room, the first being the origin (audio-level
 * observer, cascade pipes), and the router each producer really lives on.
 * It places each new peer on the least-loaded router, and grows a router on
 * another worker when every one is past the spread threshold.
 */
export class RoomRouterSet {
  readonly #slots: RouterSlot[] = [];
  /** The router each producer of the room really lives on (its copies are elsewhere). */
  readonly #sources = new Map<string, RouterSlot>();
  #growing: Promise<boolean> | undefined;
  #closed = false;

  /** `onClosed`: a router of the room closed, and was taken out (`index` 0: it was the origin). */
  constructor(
    private readonly spread: SpreadPolicy | undefined,
    private readonly log: Logger,
    private readonly onClosed: (slot: RouterSlot, index: number, died: boolean) => void,
  ) {}

  /** The first router: the audio-level observer and cascade pipes are there. */
  get origin(): RouterSlot | undefined {
    return this.#slots[0];
  }

  /** How many routers the room has now. */
  get size(): number {
    return this.#slots.length;
  }

  /** The pids of the workers of every router, origin first. */
  workerPids(): number[] {
    return this.#slots.map(workerPidOf).filter((pid): pid is number => pid !== undefined);
  }

  /** Takes a router into the room and follows its end. */
  adopt(slot: RouterSlot): void {
    this.#slots.push(slot);
    let died = false;
    slot.router.on('workerclose', () => {
      died = true;
    });
    slot.router.observer.once('close', () => {
      const index = this.#slots.indexOf(slot);
      if (index < 0 || this.#closed) return;
      this.#slots.splice(index, 1);
      this.onClosed(slot, index, died);
    });
  }

  /**
   * The router for a new peer: the least-loaded of the room's, or a new one
   * on another worker when every router is past the spread threshold. The
   * peer is placed there at once, so the next placement counts it; undefined
   * when the room closed or the peer left (`stillHere`) meanwhile.
   */
  async place(peerId: string, peer: PlacedPeer, stillHere: () => boolean): Promise<RouterSlot | undefined> {
    let best = this.#leastLoaded();
    const spread = this.spread;
    if (best && spread && spread.consumersPerRouter > 0 && this.#load(best) >= spread.consumersPerRouter) {
      this.#growing ??= this.#grow(spread).finally(() => {
        this.#growing = undefined;
      });
      if (await this.#growing) best = this.#leastLoaded();
    }
    if (!best || this.#closed || !stillHere()) return undefined;
    peer.slot ??= best;
    if (!peer.slot.peers.has(peerId)) {
      peer.slot.peers.add(peerId);
      if (peer.consumers.size === 0) peer.slot.waiting++;
    }
    return peer.slot;
  }

  /**
   * Records that a producer lives on `slot` and pipes it to every other
   * router of the room (resolved once every copy is made or failed).
   */
  async addSource(producerId: string, slot: RouterSlot): Promise<void> {
    this.#sources.set(producerId, slot);
    await Promise.all(this.#slots.filter((s) => s !== slot).map((to) => pipeInto(slot, to, producerId)));
  }

  /** The producer closed: it no longer lives on `slot`. */
  removeSource(producerId: string, slot: RouterSlot): void {
    if (this.#sources.get(producerId) === slot) this.#sources.delete(producerId);
  }

  /** The router closed: none of the producers that lived there does any longer. */
  removeSourcesOn(slot: RouterSlot): void {
    for (const [producerId, from] of [...this.#sources]) if (from === slot) this.#sources.delete(producerId);
  }

  /** Closes every router (and so everything on them); the routers' own close is not reported. */
  close(): void {
    this.#closed = true;
    for (const slot of this.#slots.splice(0)) slot.router.close();
    this.#sources.clear();
  }

  #leastLoaded(): RouterSlot | undefined {
    let best: RouterSlot | undefined;
    let bestLoad = Infinity;
    for (const slot of this.#slots) {
      const load = this.#load(slot);
      if (load < bestLoad) [best, bestLoad] = [slot, load];
    }
    return best;
  }

  #load(slot: RouterSlot): number {
    return loadOf(slot, this.#sources.size);
  }

  /** A new router on a worker the room does not use yet; false when there is none. */
  async #grow(spread: SpreadPolicy): Promise<boolean> {
    const used = new Set<types.Worker>();
    for (const slot of this.#slots) if (slot.worker) used.add(slot.worker);
    const worker = spread.workers.pickWorker(used);
    if (!worker) return false;
    let slot: RouterSlot;
    try {
      slot = await openRouter(worker, spread.workers.webRtcServerOf(worker));
    } catch (e) {
      this.log.warn({ error: String(e) }, 'could not open another router for the room');
      return false;
    }
    if (this.#closed) {
      slot.router.close();
      return false;
    }
    this.adopt(slot);
    for (const [producerId, from] of this.#sources) void pipeInto(from, slot, producerId);
    this.log.info({ routers: this.#slots.length, workerPid: worker.pid }, 'room spread to another worker');
    return true;
  }
}
