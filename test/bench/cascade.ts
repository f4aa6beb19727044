import type { BenchContext, BenchResult } from './types.js';

/**
 * Benchmark 5, cascade: origin egress per speaker against linked instances,
 * and added latency per hop. Rooms do not federate by SFU links yet (no
 * cascade link exists in media/ or federation/), so it reports that it cannot run.
 */
export function cascadeBenchmark(ctx: BenchContext): Promise<BenchResult> {
  const reason = 'rooms do not federate by SFU links yet: no cascade link exists to measure';
  return Promise.resolve({
    name: 'cascade', ran: false, reason, size: ctx.size, startedAt: new Date().toISOString(), durationMs: 0, figures: {},
    rows: [{ benchmark: '5 Cascade', target: 'egress per speaker = linked instances; ≤ 5 ms p99 per hop', measured: 'cannot run yet', met: null, note: reason }],
  });
}
