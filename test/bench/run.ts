/**
 * `npm run bench`: every benchmark of issue 14 in one run, each writing its
 * JSON under bench/results/, then bench/results/summary.md (committed) and
 * the README's summary table. `npm test` runs them at a tiny size through
 * {@link runBenchmarks} (test/bench/bench.test.ts).
 *
 *   node dist/test/bench/run.js [--size tiny|full] [--only sfu,inbox,...] [--out dir] [--no-readme] [--cpu-prof dir]
 *
 * `--cpu-prof dir` makes the server processes the benchmarks start write V8
 * CPU profiles into dir; run the runner itself under `node --cpu-prof` to
 * profile what runs in-process (fan-out).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { REPO_ROOT } from '../helpers/server-process.js';
import { browserJoinBenchmark } from './browser-join.js';
import { cascadeBenchmark } from './cascade.js';
import { fanoutBenchmark } from './fanout.js';
import { inboxBenchmark } from './inbox.js';
import { joinBenchmark } from './join.js';
import { machineInfo } from './machine.js';
import { memoryBenchmark } from './memory.js';
import { roomsBenchmark } from './rooms.js';
import { sfuBenchmark } from './sfu.js';
import { summaryMarkdown, updateReadme } from './summary.js';
import type { BenchContext, BenchResult, BenchSize } from './types.js';

export const BENCHMARKS: Record<string, (ctx: BenchContext) => Promise<BenchResult>> = {
  sfu: sfuBenchmark,
  join: joinBenchmark,
  browser: browserJoinBenchmark,
  rooms: roomsBenchmark,
  inbox: inboxBenchmark,
  fanout: fanoutBenchmark,
  cascade: cascadeBenchmark,
  memory: memoryBenchmark,
};

export interface RunOptions {
  size: BenchSize;
  only?: readonly string[];
  /** Where results go; default bench/results/ in the repository. */
  outDir?: string;
  readme?: boolean;
  quiet?: boolean;
  /** Directory for V8 CPU profiles of the server processes started. */
  cpuProfileDir?: string;
}

/** Runs the chosen benchmarks in turn; a benchmark that throws is recorded as failed, the others still run. */
export async function runBenchmarks(options: RunOptions): Promise<{ results: BenchResult[]; summary: string; outDir: string }> {
  const outDir = options.outDir ?? path.join(REPO_ROOT, 'bench', 'results');
  fs.mkdirSync(outDir, { recursive: true });
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-bench-'));
  const machine = machineInfo();
  const say = (m: string): void => { if (!options.quiet) process.stderr.write(`[bench] ${m}\n`); };
  const names = options.only?.length ? options.only : Object.keys(BENCHMARKS);
  const results: BenchResult[] = [];
  try {
    for (const name of names) {
      const bench = BENCHMARKS[name];
      if (!bench) throw new Error(`unknown benchmark "${name}"; expected ${Object.keys(BENCHMARKS).join(', ')}`);
      say(`${name}: start (${options.size})`);
      const t0 = Date.now();
      let result: BenchResult;
      try {
        result = await bench({ size: options.size, scratch, outDir, say, ...(options.cpuProfileDir ? { cpuProfileDir: options.cpuProfileDir } : {}) });
      } catch (e) {
        const reason = e instanceof Error ? e.message : String(e);
        say(`${name}: failed: ${reason}`);
        result = { name, ran: false, reason: `failed: ${reason}`, size: options.size, startedAt: new Date(t0).toISOString(), durationMs: Date.now() - t0, figures: {}, rows: [] };
      }
      results.push(result);
      fs.writeFileSync(path.join(outDir, `${name}.json`), `${JSON.stringify({ machine, ...result }, null, 2)}\n`);
      say(`${name}: done in ${Math.round((Date.now() - t0) / 1000)} s`);
    }
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  const summary = summaryMarkdown(results, machine, new Date().toISOString().slice(0, 10));
  fs.writeFileSync(path.join(outDir, 'summary.md'), `# Benchmark summary (${options.size})\n\n${summary}`);
  if (options.readme) updateReadme(path.join(REPO_ROOT, 'README.md'), summary);
  return { results, summary, outDir };
}

function parseArgs(argv: string[]): RunOptions {
  const options: RunOptions = { size: 'full', readme: true };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--size') {
      const size = value();
      if (size !== 'tiny' && size !== 'full') throw new Error('--size is tiny or full');
      options.size = size;
    } else if (a === '--only') options.only = value().split(',').filter(Boolean);
    else if (a === '--out') options.outDir = path.resolve(value());
    else if (a === '--no-readme') options.readme = false;
    else if (a === '--cpu-prof') options.cpuProfileDir = path.resolve(value());
    else throw new Error(`unknown argument ${a}`);
  }
  // Only a full run of everything speaks for the README.
  if (options.size !== 'full' || options.only?.length) options.readme = false;
  return options;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = Date.now();
  runBenchmarks(parseArgs(process.argv.slice(2)))
    .then(({ summary, outDir }) => {
      process.stdout.write(`\n${summary}\nresults in ${path.relative(process.cwd(), outDir) || '.'}; ${Math.round((Date.now() - started) / 1000)} s\n`);
      // mediasoup workers and sockets may linger in the loop; the run is over.
      process.exit(0);
    })
    .catch((e: unknown) => {
      process.stderr.write(`[bench] ${e instanceof Error ? e.message : String(e)}\n`);
      process.exit(1);
    });
}
