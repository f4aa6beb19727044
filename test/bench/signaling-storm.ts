/**
 * Joins over signaling (issue 14, "join storms serialize"): the real server
 * process, one public live room, anonymous guests on WebSockets (signaling
 * only, no media). Each join is timed from the `join` request to its
 * answer. Sequential joins, a burst (every client sends `join` at once),
 * then a storm paced over a few seconds while an early listener counts
 * what it receives.
 */
import WebSocket from 'ws';
import { Client } from '../helpers/accounts-harness.js';
import { startLoopbackServer } from '../helpers/server-process.js';
import { mapLimit, percentile, round, sleep } from './types.js';

/** A bare guest: one socket, requests by id, bytes of events counted. */
class Guest {
  bytes = 0;
  events = 0;
  #next = 0;
  readonly #waiting = new Map<number, (msg: { ok: boolean; data?: unknown; error?: { code: string } }) => void>();

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      const msg = JSON.parse(data.toString('utf8')) as { id?: number; event?: string; ok: boolean };
      if (msg.event !== undefined) {
        this.bytes += data.length;
        this.events++;
        return;
      }
      this.#waiting.get(Number(msg.id))?.(msg);
      this.#waiting.delete(Number(msg.id));
    });
  }

  static open(base: string): Promise<Guest> {
    const ws = new WebSocket(`${base.replace(/^http/, 'ws')}/api/v1/signal`);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new Guest(ws)));
      ws.once('error', reject);
    });
  }

  request(type: string, fields: Record<string, unknown> = {}, timeoutMs = 30_000): Promise<{ ok: boolean; error?: { code: string } }> {
    const id = ++this.#next;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#waiting.delete(id);
        resolve({ ok: false, error: { code: 'timeout' } });
      }, timeoutMs);
      this.#waiting.set(id, (m) => {
        clearTimeout(timer);
        resolve(m);
      });
      this.ws.send(JSON.stringify({ id, type, ...fields }));
    });
  }

  /** Joins; answers the milliseconds from request to answer, NaN when refused. */
  async join(roomId: string): Promise<number> {
    const t0 = performance.now();
    const answer = await this.request('join', { roomId });
    return answer.ok ? performance.now() - t0 : Number.NaN;
  }

  close(): void {
    this.ws.close();
  }
}

export interface SignalingStormFigures {
  sequential: { joins: number; p50Ms: number; p99Ms: number };
  burst: { joins: number; succeeded: number; p50Ms: number; p99Ms: number };
  storm: { joins: number; succeeded: number; seconds: number; p50Ms: number; p99Ms: number; roomSize: number };
  /** What one listener present before the burst received per second during the storm. */
  earlyListener: { bytesPerSecond: number; eventsPerSecond: number };
}

/** Signs up a host and creates a public room (live at once); answers its id. */
export async function livePublicRoom(base: string): Promise<string> {
  const host = new Client(base);
  const account = await host.post('/api/v1/accounts', { username: 'benchhost', password: 'a long bench password' });
  if (account.status !== 201) throw new Error(`sign-up failed: ${account.status}`);
  const persona = await host.post('/api/v1/personas', { handle: 'stormhost', displayName: 'Storm host' });
  if (persona.status !== 201) throw new Error(`persona creation failed: ${persona.status}`);
  const room = await host.post('/api/v1/rooms', { title: 'Storm', visibility: 'public' });
  if (room.status !== 201) throw new Error(`room creation failed: ${room.status} ${JSON.stringify(room.body)}`);
  // A room created without a date is live at once.
  if (room.body.state !== 'live') throw new Error(`the room is ${String(room.body.state)}, not live`);
  return String(room.body.id);
}

/**
 * Runs the three phases against a server at `base` (started here when
 * absent). `stormSeconds`: the storm's joins arrive evenly over it.
 */
export async function signalingStorm(options: { dataDir: string; sequential: number; burst: number; storm: number; stormSeconds: number; say(m: string): void }): Promise<SignalingStormFigures> {
  // Limits opened for one client address holding every guest.
  const server = await startLoopbackServer({ dataDir: options.dataDir, env: { HEARTH_CONNECTIONS_PER_ADDRESS: '100000' } });
  const guests: Guest[] = [];
  try {
    const roomId = await livePublicRoom(server.base);
    const seq: number[] = [];
    for (let i = 0; i < options.sequential; i++) {
      const g = await Guest.open(server.base);
      seq.push(await g.join(roomId));
      await g.request('leave');
      g.close();
    }
    const early = await Guest.open(server.base);
    guests.push(early);
    if (Number.isNaN(await early.join(roomId))) throw new Error('the early listener could not join');
    const burstGuests = await mapLimit(Array.from({ length: options.burst }, (_, i) => i), 50, () => Guest.open(server.base));
    guests.push(...burstGuests);
    const burst = await Promise.all(burstGuests.map((g) => g.join(roomId)));
    await sleep(1500);
    early.bytes = 0;
    early.events = 0;
    const t0 = performance.now();
    const storm = await Promise.all(Array.from({ length: options.storm }, async (_, j) => {
      await sleep((j * options.stormSeconds * 1000) / options.storm);
      const g = await Guest.open(server.base);
      guests.push(g);
      return g.join(roomId);
    }));
    const stormSeconds = (performance.now() - t0) / 1000;
    await sleep(1000);
    const window = (performance.now() - t0) / 1000;
    const ok = (xs: number[]): number[] => xs.filter((v) => Number.isFinite(v));
    const figures: SignalingStormFigures = {
      sequential: { joins: seq.length, p50Ms: round(percentile(ok(seq), 50)), p99Ms: round(percentile(ok(seq), 99)) },
      burst: { joins: burst.length, succeeded: ok(burst).length, p50Ms: round(percentile(ok(burst), 50)), p99Ms: round(percentile(ok(burst), 99)) },
      storm: {
        joins: storm.length, succeeded: ok(storm).length, seconds: round(stormSeconds, 2),
        p50Ms: round(percentile(ok(storm), 50)), p99Ms: round(percentile(ok(storm), 99)), roomSize: 1 + burst.length + storm.length,
      },
      earlyListener: { bytesPerSecond: round(early.bytes / window, 0), eventsPerSecond: round(early.events / window, 2) },
    };
    options.say(`signaling: sequential p50 ${figures.sequential.p50Ms} ms p99 ${figures.sequential.p99Ms} ms; burst ${figures.burst.succeeded}/${figures.burst.joins} p99 ${figures.burst.p99Ms} ms; storm ${figures.storm.succeeded}/${figures.storm.joins} p99 ${figures.storm.p99Ms} ms`);
    return figures;
  } finally {
    for (const g of guests) g.close();
    await server.stop();
  }
}
