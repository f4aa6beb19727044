import type { BenchResult } from './types.js';

/**
 * Benchmark 6, memory, from figures the others record: the idle server's
 * resident memory (inbox benchmark: the real server process and its media
 * worker) and the room workers' growth per listener (SFU benchmark).
 */
export function memoryRows(results: readonly BenchResult[]): BenchResult | undefined {
  const inbox = results.find((r) => r.name === 'inbox' && r.ran);
  const sfu = results.find((r) => r.name === 'sfu' && r.ran);
  if (!inbox && !sfu) return undefined;
  const idle = inbox?.figures.idleRssMb as { server: number; workers: number } | undefined;
  const perListener = sfu?.figures.workerRssPerListenerKb as number | undefined;
  const idleTotal = idle ? Math.round((idle.server + idle.workers) * 10) / 10 : undefined;
  return {
    name: 'memory', ran: true, size: (inbox ?? sfu)?.size ?? 'tiny', startedAt: new Date().toISOString(), durationMs: 0,
    figures: { idleRssMb: idle, workerRssPerListenerKb: perListener },
    rows: [
      {
        benchmark: '6 Memory idle', target: '≤ 200 MB (server + workers)',
        measured: idle && idleTotal !== undefined ? `${idleTotal} MB (server ${idle.server}, worker ${idle.workers})` : 'not measured',
        met: idleTotal !== undefined ? idleTotal <= 200 : null,
      },
      {
        benchmark: '6 Memory per listener', target: '≤ 100 KB per added listener',
        measured: perListener !== undefined ? `${perListener} KB` : 'not measured', met: perListener !== undefined ? perListener <= 100 : null,
        note: 'the room workers\' RSS growth (both workers); the Node side shares the load generator\'s process',
      },
    ],
  };
}
