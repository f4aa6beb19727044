/**
 * Benchmark 2b, rooms at scale (issue 14's two measured limits): room
 * events per listener as the audience grows (room-events.ts), and joins
 * over signaling, sequential, in a burst and in a paced storm
 * (signaling-storm.ts). The figures before the rework of ADR 0036 are in
 * the ADR; this run measures the code as it is.
 */
import fs from 'node:fs';
import path from 'node:path';
import { roomEventsSweep } from './room-events.js';
import { signalingStorm } from './signaling-storm.js';
import type { BenchContext, BenchResult } from './types.js';

export async function roomsBenchmark(ctx: BenchContext): Promise<BenchResult> {
  const started = Date.now();
  const tiny = ctx.size === 'tiny';
  const sizes = tiny ? [20, 100] : [100, 1000];
  const churn = tiny ? { count: 10, pacePerSecond: 20, stayMs: 300 } : { count: 60, pacePerSecond: 20, stayMs: 1000 };
  const points = await roomEventsSweep(sizes, churn, (m) => ctx.say(m));
  const dataDir = path.join(ctx.scratch, 'rooms-signaling');
  fs.mkdirSync(dataDir, { recursive: true });
  const signaling = await signalingStorm({
    dataDir, say: (m: string) => ctx.say(m),
    ...(tiny ? { sequential: 10, burst: 20, storm: 30, stormSeconds: 1 } : { sequential: 100, burst: 200, storm: 500, stormSeconds: 5 }),
  });
  const small = points[0];
  const large = points[points.length - 1];
  const growth = small && large && small.bytesPerListenerPerSecond > 0 ? large.bytesPerListenerPerSecond / small.bytesPerListenerPerSecond : Number.NaN;
  const { sequential, burst, storm } = signaling;
  return {
    name: 'rooms', ran: true, size: ctx.size, startedAt: new Date(started).toISOString(), durationMs: Date.now() - started,
    figures: {
      roomEvents: { churn, what: 'visible persona listeners; bytes each listener is sent, as signaling serializes them', points },
      signaling: { what: 'guests over WebSocket to the server process, join request to answer, no media', ...signaling },
    },
    rows: [
      {
        benchmark: '2 Room events per listener',
        target: `bytes per listener per second bounded from ${sizes[0]} to ${sizes[sizes.length - 1]} listeners`,
        measured: points.map((p) => `${p.listeners}: ${p.bytesPerListenerPerSecond} B/s`).join(', '),
        met: Number.isFinite(growth) ? growth <= 1.5 : null,
        note: `${churn.pacePerSecond} joins/s of visible listeners, each staying ${churn.stayMs} ms`,
      },
      {
        benchmark: '2 Signaling joins, sequential', target: 'p50 ≤ 20 ms, p99 ≤ 60 ms',
        measured: `p50 ${sequential.p50Ms} ms, p99 ${sequential.p99Ms} ms`,
        met: sequential.p50Ms <= 20 && sequential.p99Ms <= 60, note: 'guests, join request to answer',
      },
      {
        benchmark: '2 Signaling join storm', target: `${storm.joins} joins in ≤ 10 s, all succeed, p99 ≤ 250 ms`,
        measured: `${storm.succeeded}/${storm.joins} in ${storm.seconds} s, p99 ${storm.p99Ms} ms; burst of ${burst.joins} at once: p50 ${burst.p50Ms} ms, p99 ${burst.p99Ms} ms`,
        met: storm.succeeded === storm.joins && storm.seconds <= 10 && storm.p99Ms <= 250,
        note: 'guests, no media',
      },
    ],
  };
}
