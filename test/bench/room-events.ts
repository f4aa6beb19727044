/**
 * Room events per listener as the room grows (issue 14, "room events grow
 * with the square of the audience"): one live room of the project
 * (LiveRoom, its stage, real grants and a real media registry) holding N
 * visible persona listeners, then a churn of newcomers joining and leaving
 * at a fixed pace. Each participant's link serializes what it is sent
 * exactly as a signaling peer does (`serverEventOf`, `JSON.stringify`) and
 * counts the bytes, so the figure is what each listener's WebSocket would
 * carry, without the sockets (signaling is measured by signaling-storm.ts).
 */
import { MediaWorkerPool, RoomMediaRegistry } from '../../media/index.js';
import { createLogger } from '../../server/core/logging/logger.js';
import { GrantKeys } from '../../server/rooms/grant-keys.js';
import { GrantIssuer } from '../../server/rooms/grants.js';
import { LiveRoom } from '../../server/rooms/live-room.js';
import type { ParticipantEvent, ParticipantLink } from '../../server/rooms/index.js';
import { serverEventOf } from '../../server/signaling/events.js';
import type { InstanceRepository } from '../../server/store/index.js';
import { round, sleep } from './types.js';

/** What one room size gave. */
export interface RoomEventsPoint {
  listeners: number;
  /** Newcomers that joined (and left again) during the window. */
  churn: number;
  seconds: number;
  /** Mean over the listeners present from the start. */
  bytesPerListenerPerSecond: number;
  messagesPerListenerPerSecond: number;
  /** Largest single frame one listener got in the window. */
  largestFrameBytes: number;
  /** Server CPU (this process: the room, its serialization) per second of the window, ms. */
  cpuMsPerSecond: number;
}

class CountingLink implements ParticipantLink {
  bytes = 0;
  messages = 0;
  largest = 0;
  send(event: ParticipantEvent): void {
    const frame = JSON.stringify(serverEventOf(event));
    this.bytes += Buffer.byteLength(frame);
    this.messages++;
    if (frame.length > this.largest) this.largest = frame.length;
  }
  departed(): void {}
  reset(): void {
    this.bytes = 0;
    this.messages = 0;
    this.largest = 0;
  }
}

function memoryInstance(): InstanceRepository {
  const values = new Map<string, unknown>();
  return {
    get: <T>(key: string) => Promise.resolve(values.get(key) as T | undefined),
    put: (key, value) => Promise.resolve(void values.set(key, value)),
    delete: (key) => Promise.resolve(values.delete(key)),
  };
}

const persona = (i: number, prefix: string) => ({
  id: `${prefix}-${i}`, kind: 'persona' as const, handle: `${prefix}${i}`, displayName: `Listener ${prefix} ${i}`, hidden: false,
});

/**
 * One point: `listeners` visible listeners in the room, then `churn`
 * newcomers join at `pacePerSecond` and each leaves `stayMs` later.
 */
export async function roomEventsPoint(registry: RoomMediaRegistry, grants: GrantIssuer, options: { listeners: number; churn: number; pacePerSecond: number; stayMs: number }): Promise<RoomEventsPoint> {
  const log = createLogger({ level: 'silent', logIpAddresses: false });
  const id = `bench-room-${options.listeners}-${Date.now()}`;
  const record = {
    id, hostPersonaId: 'host', title: 'bench', description: '', visibility: 'public' as const, state: 'live' as const, maxSpeakers: 10,
    createdAt: new Date(), scheduledFor: null, startedAt: new Date(), endedAt: null,
  };
  const room = new LiveRoom(record, {
    registry, grants, log, idleMs: 60_000, onIdle: () => undefined, onBan: () => undefined, onEnded: () => Promise.resolve(),
  });
  const host = new CountingLink();
  await room.join({ id: 'host', kind: 'persona', handle: 'host', displayName: 'Host', hidden: false }, host);
  const present: CountingLink[] = [];
  for (let i = 0; i < options.listeners; i++) {
    const link = new CountingLink();
    present.push(link);
    await room.join(persona(i, 'l'), link);
  }
  // Whatever the joins queued has gone out before the window opens.
  await sleep(1500);
  for (const l of present) l.reset();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const leaving: Promise<void>[] = [];
  for (let j = 0; j < options.churn; j++) {
    const due = t0 + (j * 1000) / options.pacePerSecond;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const link = new CountingLink();
    await room.join(persona(j, 'n'), link);
    leaving.push(sleep(options.stayMs).then(() => room.leave(`n-${j}`, link)));
  }
  await Promise.all(leaving);
  // The last change's trailing message, if any, is part of the window.
  await sleep(1200);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const bytes = present.reduce((a, l) => a + l.bytes, 0) / present.length;
  const messages = present.reduce((a, l) => a + l.messages, 0) / present.length;
  await room.end('room_ended');
  return {
    listeners: options.listeners,
    churn: options.churn,
    seconds: round(seconds, 2),
    bytesPerListenerPerSecond: round(bytes / seconds, 0),
    messagesPerListenerPerSecond: round(messages / seconds, 2),
    largestFrameBytes: Math.max(...present.map((l) => l.largest)),
    cpuMsPerSecond: round((cpu.user + cpu.system) / 1000 / seconds, 1),
  };
}

/** Every size in turn, on one media worker. */
export async function roomEventsSweep(sizes: readonly number[], churn: { count: number; pacePerSecond: number; stayMs: number }, say: (m: string) => void): Promise<RoomEventsPoint[]> {
  const log = createLogger({ level: 'silent', logIpAddresses: false });
  const pool = new MediaWorkerPool({ size: 1, logLevel: 'warn', rtcMinPort: 20000, rtcMaxPort: 44999, log });
  await pool.start();
  try {
    const registry = new RoomMediaRegistry(pool, { listenIp: '127.0.0.1', log });
    const grants = new GrantIssuer(new GrantKeys(memoryInstance(), 24 * 3600_000, Date.now), 'http://bench.invalid', 600);
    const points: RoomEventsPoint[] = [];
    for (const listeners of sizes) {
      const point = await roomEventsPoint(registry, grants, { listeners, churn: churn.count, pacePerSecond: churn.pacePerSecond, stayMs: churn.stayMs });
      say(`room events: ${listeners} listeners: ${point.bytesPerListenerPerSecond} B/s and ${point.messagesPerListenerPerSecond} messages/s per listener, CPU ${point.cpuMsPerSecond} ms/s`);
      points.push(point);
    }
    return points;
  } finally {
    await pool.close();
  }
}
