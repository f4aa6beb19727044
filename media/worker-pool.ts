import { createWorker, workerBin, type types } from 'mediasoup';
import type { Logger } from 'pino';
import { err, ok, type Result } from '../server/core/result.js';
import { MediaPoolClosedError, MediaUnavailableError, MediaWorkerSpawnError } from './errors.js';
import { splitPortRange, type PortRange } from './port-range.js';
import { waitForExit } from './process-exit.js';
import { DEFAULT_RESTART_BACKOFF, RestartBackoff, type BackoffPolicy } from './restart-backoff.js';
import { TypedEventEmitter } from './typed-event-emitter.js';

/** What the pool needs from the configuration. */
export interface MediaWorkerPoolOptions {
  /** Number of worker slots; one per CPU core is the usual choice. */
  size: number;
  logLevel: types.WorkerLogLevel;
  /** The RTC port range, split evenly between the worker slots. */
  rtcMinPort: number;
  rtcMaxPort: number;
  log: Logger;
  /**
   * Gives each worker a WebRtcServer listening on this IP (one UDP and one
   * TCP port from the worker's share of the range) that all its WebRTC
   * transports share (ADR 0012). Without it each transport binds its own ports.
   */
  webRtcServer?: { listenIp: string; announcedIp?: string | undefined };
  /** Replacement timing; the defaults suit production, tests may shorten them. */
  restartBackoff?: Partial<BackoffPolicy>;
}

/** Identifies one worker process in one slot of the pool. */
export interface WorkerRef {
  slot: number;
  pid: number;
}

/** Events of {@link MediaWorkerPool}. */
export type MediaWorkerPoolEvents = {
  /**
   * A worker died; its routers are closed. Nothing in rooms listens here:
   * each room's media closes with reason `worker_died` and the live room
   * moves itself to a live worker (server/rooms/live-room.ts). For health
   * and metrics.
   */
  workerDied: [WorkerRef];
  /** A dead worker's slot has a new, running worker. */
  workerReplaced: [WorkerRef];
  /** The pool closed: every worker process has exited. */
  close: [];
};

/** One line per slot, for health checks and metrics. */
export interface WorkerSlotStats {
  slot: number;
  /** The pid of the slot's running worker, or null while it waits for a replacement. */
  pid: number | null;
  alive: boolean;
  /** Open routers on the slot's running worker. */
  routers: number;
  /** How many replacement workers this slot has started. */
  restarts: number;
}

/** Why no worker could be picked: every worker is dead, or the pool is closed or not started. */
export type WorkerPickError = 'no-worker-alive' | 'pool-closed';

interface LiveWorker {
  readonly worker: types.Worker;
  routers: number;
}

interface Slot {
  readonly index: number;
  readonly ports: PortRange;
  readonly backoff: RestartBackoff;
  current: LiveWorker | undefined;
  restarts: number;
  respawnTimer: NodeJS.Timeout | undefined;
}

/**
 * A fixed number of mediasoup worker processes, each in its own slot with its
 * own share of the RTC port range. A worker that dies is dropped from the live
 * set at once and replaced after an exponential backoff. Its routers close
 * with it, and each room's media reports `worker_died`: the rooms move
 * themselves to a live worker (no `workerDied` listener is needed for that).
 */
export class MediaWorkerPool extends TypedEventEmitter<MediaWorkerPoolEvents> {
  /** Number of worker slots. */
  readonly size: number;
  readonly #log: Logger;
  readonly #logLevel: types.WorkerLogLevel;
  readonly #webRtcServer: MediaWorkerPoolOptions['webRtcServer'];
  readonly #servers = new WeakMap<types.Worker, types.WebRtcServer>();
  readonly #slots: Slot[];
  /** Every worker this pool started and that has not closed yet, whichever slot holds it. */
  readonly #workers = new Set<types.Worker>();
  /** Spawns in flight, awaited by close() so no worker outlives the pool. */
  readonly #pending = new Set<Promise<unknown>>();
  #starting: Promise<void> | undefined;
  #closing: Promise<void> | undefined;
  #closed = false;
  /** Where the next leastLoaded() scan starts, so ties rotate between workers. */
  #cursor = 0;

  /** @throws RangeError when the size, port range or backoff is invalid */
  constructor(options: MediaWorkerPoolOptions) {
    const log = options.log.child({ module: 'media.worker-pool' });
    super((error, event) => log.error({ event, error: messageOf(error) }, 'media worker pool listener threw'));
    this.#log = log;
    this.size = options.size;
    this.#logLevel = options.logLevel;
    this.#webRtcServer = options.webRtcServer;
    const policy: BackoffPolicy = { ...DEFAULT_RESTART_BACKOFF, ...options.restartBackoff };
    const ranges = splitPortRange({ min: options.rtcMinPort, max: options.rtcMaxPort }, options.size);
    this.#slots = ranges.map((ports, index) => ({
      index,
      ports,
      backoff: new RestartBackoff(policy),
      current: undefined,
      restarts: 0,
      respawnTimer: undefined,
    }));
  }

  /** Whether close() has been called. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Starts one worker per slot and resolves once all are running. Calling it
   * again returns the same promise.
   *
   * @throws MediaUnavailableError when the first worker cannot be spawned (no usable binary)
   * @throws MediaWorkerSpawnError when another slot's worker fails; the pool is then closed
   * @throws MediaPoolClosedError when close() was called first or meanwhile
   */
  start(): Promise<void> {
    this.#starting ??= this.#start();
    return this.#starting;
  }

  async #start(): Promise<void> {
    if (this.#closed) throw new MediaPoolClosedError();
    const [first, ...rest] = this.#slots;
    if (!first) throw new RangeError('a media worker pool needs at least one slot');
    // The first worker alone: if the binary is unusable, one clear error beats N identical ones.
    try {
      await this.#track(this.#spawn(first));
    } catch (error) {
      throw new MediaUnavailableError(workerBin, error);
    }
    if (this.#closed) throw new MediaPoolClosedError();
    const results = await Promise.allSettled(rest.map((slot) => this.#track(this.#spawn(slot))));
    const failedAt = results.findIndex((result) => result.status === 'rejected');
    const failed = results[failedAt];
    if (failed?.status === 'rejected') {
      await this.close();
      throw new MediaWorkerSpawnError(failedAt + 1, failed.reason);
    }
    if (this.#closed) throw new MediaPoolClosedError();
    this.#log.info({ workers: this.size, workerBin }, 'media worker pool started');
  }

  /** Number of workers currently running. */
  aliveCount(): number {
    return this.#slots.reduce((count, slot) => count + (slot.current ? 1 : 0), 0);
  }

  /**
   * The running worker with the fewest open routers, leaving out `exclude`
   * (the workers a room already has a router on). Ties rotate, so rooms
   * created at the same moment (before their routers exist) still spread out.
   */
  leastLoaded(exclude?: ReadonlySet<types.Worker>): Result<types.Worker, WorkerPickError> {
    if (this.#closed) return err('pool-closed');
    let best: Slot | undefined;
    for (let i = 0; i < this.#slots.length; i++) {
      const slot = this.#slots[(this.#cursor + i) % this.#slots.length];
      if (!slot?.current || exclude?.has(slot.current.worker)) continue;
      if (!best?.current || slot.current.routers < best.current.routers) best = slot;
    }
    if (!best?.current) return err('no-worker-alive');
    this.#cursor = (best.index + 1) % this.#slots.length;
    return ok(best.current.worker);
  }

  /** The running workers, in slot order (benchmarks read their CPU use). */
  liveWorkers(): types.Worker[] {
    return this.#slots.flatMap((slot) => (slot.current ? [slot.current.worker] : []));
  }

  /**
   * Resolves true as soon as a worker is running (at once if one is), false
   * after `timeoutMs` without one or when the pool closes. Rooms that lost
   * every worker wait here for a replacement (ADR 0041).
   */
  whenAlive(timeoutMs: number): Promise<boolean> {
    if (this.#closed) return Promise.resolve(false);
    if (this.aliveCount() > 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (alive: boolean): void => {
        clearTimeout(timer);
        this.off('workerReplaced', onUp);
        this.off('close', onClose);
        resolve(alive);
      };
      const onUp = (): void => done(true);
      const onClose = (): void => done(false);
      const timer = setTimeout(() => done(false), Math.max(0, timeoutMs));
      timer.unref();
      this.on('workerReplaced', onUp);
      this.on('close', onClose);
    });
  }

  /** The WebRtcServer of a worker of this pool, if the pool makes them. */
  webRtcServerOf(worker: types.Worker): types.WebRtcServer | undefined {
    return this.#servers.get(worker);
  }

  /** One entry per slot, in slot order. */
  stats(): WorkerSlotStats[] {
    return this.#slots.map((slot) => ({
      slot: slot.index,
      pid: slot.current?.worker.pid ?? null,
      alive: slot.current !== undefined,
      routers: slot.current?.routers ?? 0,
      restarts: slot.restarts,
    }));
  }

  /**
   * Stops replacements, closes every worker (and so every router on them) and
   * resolves once every worker process has exited. Idempotent.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    this.#closed = true;
    for (const slot of this.#slots) {
      clearTimeout(slot.respawnTimer);
      slot.respawnTimer = undefined;
      // Clear the slot first, so the worker's close event is not taken for a death.
      slot.current = undefined;
    }
    // Close by the set of started workers, not by slot, so no process can be orphaned.
    const pids: number[] = [];
    for (const worker of [...this.#workers]) {
      pids.push(worker.pid);
      worker.close();
    }
    // A spawn in flight sees #closed when it lands and closes its own worker.
    await Promise.allSettled([...this.#pending]);
    const exited = await Promise.all(pids.map((pid) => waitForExit(pid)));
    const stuck = pids.filter((_, i) => !exited[i]);
    if (stuck.length > 0) this.#log.warn({ pids: stuck }, 'mediasoup workers did not exit after SIGKILL');
    this.#log.info('media worker pool closed');
    this.emit('close');
  }

  /** Spawns a worker for `slot` and makes it the slot's live worker; undefined if the pool closed meanwhile. */
  async #spawn(slot: Slot): Promise<types.Worker | undefined> {
    const worker = await createWorker({
      logLevel: this.#logLevel,
      rtcMinPort: slot.ports.min,
      rtcMaxPort: slot.ports.max,
      appData: { slot: slot.index },
    });
    if (this.#webRtcServer && !this.#closed) {
      const { listenIp, announcedIp } = this.#webRtcServer;
      const info = (protocol: 'udp' | 'tcp'): types.WebRtcServerListenInfo => ({ protocol, ip: listenIp, ...(announcedIp ? { announcedIp } : {}) });
      try {
        this.#servers.set(worker, await worker.createWebRtcServer({ listenInfos: [info('udp'), info('tcp')] }));
      } catch (error) {
        worker.close();
        await waitForExit(worker.pid);
        throw error;
      }
    }
    if (this.#closed) {
      worker.close();
      await waitForExit(worker.pid);
      return undefined;
    }
    this.#workers.add(worker);
    worker.observer.once('close', () => this.#workers.delete(worker));
    const live: LiveWorker = { worker, routers: 0 };
    slot.current = live;
    slot.backoff.markUp(Date.now());
    worker.observer.on('newrouter', (router) => {
      live.routers++;
      router.observer.once('close', () => {
        live.routers--;
      });
    });
    worker.on('died', (error) => this.#onWorkerGone(slot, live, error));
    // A close that is not a death and not ours (someone called worker.close()) also empties the slot.
    worker.observer.once('close', () => this.#onWorkerGone(slot, live, undefined));
    this.#log.debug({ slot: slot.index, pid: worker.pid, ports: slot.ports }, 'mediasoup worker started');
    return worker;
  }

  #onWorkerGone(slot: Slot, live: LiveWorker, error: Error | undefined): void {
    // 'died' is followed by the observer's 'close': handle whichever comes first, once.
    if (slot.current !== live || this.#closed) return;
    slot.current = undefined;
    const pid = live.worker.pid;
    if (error) {
      this.#log.error({ slot: slot.index, pid, error: error.message }, 'mediasoup worker died');
    } else {
      this.#log.warn({ slot: slot.index, pid }, 'mediasoup worker closed outside the pool');
    }
    this.emit('workerDied', { slot: slot.index, pid });
    this.#scheduleRespawn(slot);
  }

  #scheduleRespawn(slot: Slot): void {
    // One replacement per slot at a time; a second timer would orphan a worker.
    if (slot.respawnTimer !== undefined || this.#closed) return;
    const delayMs = slot.backoff.nextDelay(Date.now());
    this.#log.info({ slot: slot.index, delayMs }, 'replacing mediasoup worker');
    slot.respawnTimer = setTimeout(() => {
      slot.respawnTimer = undefined;
      void this.#track(this.#respawn(slot));
    }, delayMs);
  }

  async #respawn(slot: Slot): Promise<void> {
    let worker: types.Worker | undefined;
    try {
      worker = await this.#spawn(slot);
    } catch (error) {
      if (this.#closed) return;
      this.#log.error({ slot: slot.index, error: messageOf(error) }, 'replacement mediasoup worker failed to start');
      this.#scheduleRespawn(slot);
      return;
    }
    if (!worker) return;
    slot.restarts++;
    this.#log.info({ slot: slot.index, pid: worker.pid, restarts: slot.restarts }, 'mediasoup worker replaced');
    this.emit('workerReplaced', { slot: slot.index, pid: worker.pid });
  }

  /** Registers an in-flight spawn for close() to await. */
  #track<T>(task: Promise<T>): Promise<T> {
    this.#pending.add(task);
    const forget = (): void => {
      this.#pending.delete(task);
    };
    task.then(forget, forget);
    return task;
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
