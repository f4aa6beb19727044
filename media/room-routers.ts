/**
 * The routers of one room (ADR 0040): a room starts on one router and, when
 * its spread policy says so, grows a router on another worker, so one big
 * room uses every core. Each router knows which producers of the room it
 * holds: its own peers' producers, and a copy (same id, made by mediasoup's
 * `pipeToRouter`) of every producer that lives on another router of the
 * room. mediasoup carries close and pause from a producer to its copies.
 */
import type { types } from 'mediasoup';
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
export function pipeInto(from: RouterSlot, to: RouterSlot, producerId: string): Promise<types.Producer | undefined> {
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
export function loadOf(slot: RouterSlot, producerCount: number): number {
  return slot.consumers + slot.waiting * Math.max(1, producerCount);
}

/** The pid of the worker a router runs on, from its appData. */
export function workerPidOf(slot: RouterSlot): number | undefined {
  const pid = (slot.router.appData as { workerPid?: unknown }).workerPid;
  return typeof pid === 'number' ? pid : undefined;
}
