/**
 * The cascade benchmark's RTP reader (ADR 0050). It runs in a worker thread
 * that does nothing else, so the bench's own work (hundreds of signaling
 * connections, stats requests, garbage collection on the main thread) does
 * not delay one read and not the other. Two UDP sockets take the plain RTP
 * listeners of the origin and of the linked instance; each packet's arrival
 * (`performance.now()`, one clock for both) is kept by RTP timestamp, first
 * arrival only. On each packet of the linked side it also reads how long the
 * linked instance's mediasoup worker has waited, runnable, for a CPU
 * (`/proc/<pid>/schedstat`, Linux), so a late sample can be told apart: the
 * worker was waiting for a CPU, or the path itself was slow.
 *
 * The main thread imports `HopReader`; the worker thread runs this same file.
 */
import dgram from 'node:dgram';
import fs from 'node:fs';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

/** One window's arrivals: [rtp timestamp, ms]; the linked side adds the worker's run-queue wait (ms) since its previous packet, null when unknown. */
export interface HopArrivals {
  origin: [number, number][];
  linked: [number, number, number | null][];
}

type Command = { type: 'start' } | { type: 'collect' };

/** Cumulative run-queue wait of a process in ns (second field of /proc/<pid>/schedstat), undefined where unreadable. */
function runQueueWaitNs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const wait = Number(fs.readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[1]);
    return Number.isFinite(wait) ? wait : undefined;
  } catch {
    return undefined;
  }
}

function isRtp(msg: Buffer): boolean {
  // RTP version 2, not RTCP (payload types 200–204 with the marker bit).
  return msg.length >= 12 && msg[0]! >> 6 === 2 && !(msg[1]! >= 200 && msg[1]! <= 204);
}

async function runReader(waitPid: number | undefined): Promise<void> {
  const port = parentPort!;
  const origin = new Map<number, number>();
  const linked = new Map<number, [number, number | null]>();
  let lastWait = runQueueWaitNs(waitPid);
  const open = async (onPacket: (ts: number, at: number) => void): Promise<dgram.Socket> => {
    const socket = dgram.createSocket('udp4');
    socket.on('message', (msg) => {
      const at = performance.now();
      if (isRtp(msg)) onPacket(msg.readUInt32BE(4), at);
    });
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    return socket;
  };
  const sockets = [
    await open((ts, at) => {
      if (!origin.has(ts)) origin.set(ts, at);
    }),
    await open((ts, at) => {
      const wait = runQueueWaitNs(waitPid);
      const since = wait !== undefined && lastWait !== undefined ? (wait - lastWait) / 1e6 : null;
      lastWait = wait;
      if (!linked.has(ts)) linked.set(ts, [at, since]);
    }),
  ];
  port.on('message', (cmd: Command | { type: 'close' }) => {
    if (cmd.type === 'start') {
      origin.clear();
      linked.clear();
      port.postMessage({ type: 'started' });
    } else if (cmd.type === 'collect') {
      const arrivals: HopArrivals = { origin: [...origin], linked: [...linked].map(([ts, [at, w]]) => [ts, at, w]) };
      port.postMessage({ type: 'arrivals', arrivals });
    } else {
      for (const s of sockets) s.close();
      port.close();
    }
  });
  port.postMessage({ type: 'ready', ports: sockets.map((s) => s.address().port) });
}

/** The main thread's handle on the reader thread. */
export class HopReader {
  private constructor(private readonly worker: Worker, readonly originPort: number, readonly linkedPort: number) {}

  /** Starts the reader; `linkedWorkerPid`: the linked instance's mediasoup worker, whose run-queue wait is read. */
  static async open(linkedWorkerPid: number | undefined): Promise<HopReader> {
    const worker = new Worker(new URL(import.meta.url), { workerData: { hopReader: true, waitPid: linkedWorkerPid } });
    const ports = await HopReader.#next<{ ports: number[] }>(worker, 'ready');
    return new HopReader(worker, ports.ports[0]!, ports.ports[1]!);
  }

  static #next<T>(worker: Worker, type: string): Promise<T> {
    return new Promise((resolve, reject) => {
      const onMessage = (m: { type: string } & T): void => {
        if (m.type !== type) return;
        worker.off('message', onMessage);
        worker.off('error', reject);
        resolve(m);
      };
      worker.on('message', onMessage);
      worker.once('error', reject);
    });
  }

  /** Forgets what arrived so far: a window starts. */
  async start(): Promise<void> {
    const started = HopReader.#next(this.worker, 'started');
    this.worker.postMessage({ type: 'start' });
    await started;
  }

  /** Everything that arrived since start(). */
  async collect(): Promise<HopArrivals> {
    const answer = HopReader.#next<{ arrivals: HopArrivals }>(this.worker, 'arrivals');
    this.worker.postMessage({ type: 'collect' });
    return (await answer).arrivals;
  }

  async close(): Promise<void> {
    this.worker.postMessage({ type: 'close' });
    await new Promise((resolve) => this.worker.once('exit', resolve));
  }
}

const data = workerData as { hopReader?: boolean; waitPid?: number } | null;
if (!isMainThread && data?.hopReader === true) void runReader(typeof data.waitPid === 'number' ? data.waitPid : undefined);
