/**
 * WebRTC listeners for the SFU benchmark, held in child processes
 * (webrtc-host.ts): the parent hands each an offer and gets the answer,
 * reads their packet counters and their own CPU, and ends them. Every
 * request is bounded in time; close() ends the children whatever state
 * they are in.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface ListenerStats {
  peers: number;
  connected: number;
  /** Inbound audio streams (one per speaker per listener). */
  streams: number;
  packets: number;
  lost: number;
  /** Mean RTP jitter of the streams, ms. */
  jitterMs: number;
  /** CPU time of the listener processes, ms (user + system, all their threads). */
  cpuMs: number;
}

interface Host {
  child: ChildProcess;
  pending: Map<number, { resolve(v: unknown): void; reject(e: Error): void; timer: NodeJS.Timeout }>;
  exited: Promise<void>;
}

const HOST = fileURLToPath(new URL('./webrtc-host.js', import.meta.url));
const REQUEST_MS = 15_000;

export class WebRtcListenerHosts {
  readonly #hosts: Host[];
  #next = 0;
  #seq = 0;

  private constructor(hosts: Host[]) {
    this.#hosts = hosts;
  }

  /** Starts `processes` children; rejects with the library's own error when it cannot load. */
  static async start(processes: number): Promise<WebRtcListenerHosts> {
    const hosts: Host[] = [];
    try {
      for (let i = 0; i < processes; i++) hosts.push(await startHost());
    } catch (e) {
      for (const h of hosts) h.child.kill('SIGKILL');
      throw e;
    }
    return new WebRtcListenerHosts(hosts);
  }

  /** A new listener on the next process in turn: answers its answer SDP. */
  open(offerSdp: string): Promise<string> {
    const host = this.#hosts[this.#next++ % this.#hosts.length] as Host;
    return this.#ask(host, { op: 'open', sdp: offerSdp }) as Promise<string>;
  }

  /** Counters summed over the processes (jitter averaged over the streams). */
  async stats(): Promise<ListenerStats> {
    const all = (await Promise.all(this.#hosts.map((h) => this.#ask(h, { op: 'stats' })))) as Array<Omit<ListenerStats, 'jitterMs' | 'cpuMs'> & { jitterS: number; cpuUs: number }>;
    const streams = all.reduce((n, s) => n + s.streams, 0);
    return {
      peers: all.reduce((n, s) => n + s.peers, 0),
      connected: all.reduce((n, s) => n + s.connected, 0),
      streams,
      packets: all.reduce((n, s) => n + s.packets, 0),
      lost: all.reduce((n, s) => n + s.lost, 0),
      jitterMs: streams ? (all.reduce((n, s) => n + s.jitterS * s.streams, 0) / streams) * 1000 : 0,
      cpuMs: all.reduce((n, s) => n + s.cpuUs, 0) / 1000,
    };
  }

  /** Closes every peer and ends the processes (killed if they have not exited within 3 s). */
  async close(): Promise<void> {
    await Promise.all(this.#hosts.map(async (h) => {
      if (h.child.exitCode === null && h.child.signalCode === null) {
        await this.#ask(h, { op: 'close' }, 3000).catch(() => undefined);
        const killer = setTimeout(() => h.child.kill('SIGKILL'), 3000);
        await h.exited;
        clearTimeout(killer);
      }
    }));
  }

  /** Ends the processes at once (a point that overran its bound). */
  kill(): void {
    for (const h of this.#hosts) h.child.kill('SIGKILL');
  }

  #ask(host: Host, request: Record<string, unknown>, timeoutMs = REQUEST_MS): Promise<unknown> {
    const id = ++this.#seq;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        host.pending.delete(id);
        reject(new Error(`WebRTC listener process: ${String(request.op)} not answered within ${timeoutMs} ms`));
      }, timeoutMs);
      host.pending.set(id, { resolve, reject, timer });
      host.child.send({ id, ...request });
    });
  }
}

function startHost(): Promise<Host> {
  const child = fork(HOST, [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const pending: Host['pending'] = new Map();
  const exited = new Promise<void>((resolve) => child.once('exit', () => {
    for (const p of pending.values()) {
      clearTimeout(p.timer);
      p.reject(new Error('the WebRTC listener process exited'));
    }
    pending.clear();
    resolve();
  }));
  const host: Host = { child, pending, exited };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error('the WebRTC listener process did not start within 10 s')); }, 10_000);
    child.on('message', (m: { ready?: boolean; error?: string; id?: number; ok?: boolean; value?: unknown }) => {
      if (m.ready !== undefined) {
        clearTimeout(timer);
        if (m.ready) resolve(host);
        else reject(new Error(`@roamhq/wrtc did not load: ${m.error ?? 'unknown error'}`));
        return;
      }
      const p = m.id !== undefined ? pending.get(m.id) : undefined;
      if (!p) return;
      pending.delete(m.id as number);
      clearTimeout(p.timer);
      if (m.ok) p.resolve(m.value);
      else p.reject(new Error(m.error ?? 'failed'));
    });
    child.once('exit', (code, signal) => { clearTimeout(timer); reject(new Error(`the WebRTC listener process exited (${signal ?? code})`)); });
  });
}
