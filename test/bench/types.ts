/**
 * Shared shapes of the benchmarks: what each one answers and how a row of
 * the summary reads. Every benchmark writes its own JSON under bench/results/.
 */

/** How big a run is: `tiny` keeps `npm test` fast, `full` is `npm run bench`. */
export type BenchSize = 'tiny' | 'full';

/** One target of the issue and what was measured against it. */
export interface TargetRow {
  benchmark: string;
  target: string;
  /** The measured figure, as text with its unit. */
  measured: string;
  /** The baseline's figure in the same run, when there is one. */
  baseline?: string;
  /** `null`: could not be judged (did not run, or not measured here). */
  met: boolean | null;
  note?: string;
}

/** What one benchmark answers (and writes as JSON). */
export interface BenchResult {
  name: string;
  /** false when the benchmark cannot run yet or here; `reason` says why. */
  ran: boolean;
  reason?: string;
  size: BenchSize;
  startedAt: string;
  durationMs: number;
  /** Figures, benchmark-specific (see each benchmark's file). */
  figures: Record<string, unknown>;
  rows: TargetRow[];
}

export interface BenchContext {
  size: BenchSize;
  /** A scratch directory for data directories and logs, removed afterwards. */
  scratch: string;
  /** Where results (JSON, charts) go. */
  outDir: string;
  /** Progress lines (stderr). */
  say(message: string): void;
  /** When set, server processes a benchmark starts write V8 CPU profiles here (`--cpu-prof`). */
  cpuProfileDir?: string;
}

/** Percentile (0..100) of numbers, nearest-rank; NaN when empty. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

/** Rounds for display and JSON: 3 significant decimals at most. */
export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Runs `fn` over `items` with at most `limit` at once; answers results in order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T, i);
    }
  });
  await Promise.all(workers);
  return results;
}
