import fs from 'node:fs';
import type { MachineInfo } from './machine.js';
import type { BenchResult } from './types.js';

const yesNo = (met: boolean | null): string => (met === null ? '—' : met ? 'met' : 'not met');
const cell = (s: string | undefined): string => (s ?? '').replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The summary table in markdown: target, measured, baseline, met or not, for every row of every result. */
export function summaryMarkdown(results: readonly BenchResult[], machine: MachineInfo, date: string): string {
  const lines = [
    `Measured ${date} on ${machine.cores} cores (${machine.cpuModel}), ${machine.totalMemoryMb} MB, Node ${machine.node}, ` +
      `mediasoup ${machine.versions.mediasoup}, activitypub-express ${machine.versions['activitypub-express']}, commit ${machine.commit}.`,
    '',
    '| Benchmark | Target | Measured | Baseline (same run) | Result |',
    '|---|---|---|---|---|',
  ];
  for (const r of results) {
    if (!r.ran) {
      lines.push(`| ${cell(r.rows[0]?.benchmark ?? r.name)} | ${cell(r.rows[0]?.target)} | cannot run: ${cell(r.reason)} | | — |`);
      continue;
    }
    for (const row of r.rows) {
      const measured = row.note ? `${row.measured} (${row.note})` : row.measured;
      lines.push(`| ${cell(row.benchmark)} | ${cell(row.target)} | ${cell(measured)} | ${cell(row.baseline)} | ${yesNo(row.met)} |`);
    }
  }
  return `${lines.join('\n')}\n`;
}

const START = '<!-- bench-summary:start -->';
const END = '<!-- bench-summary:end -->';

/** Replaces the README's summary block (between the markers) with `table`; false when the markers are missing. */
export function updateReadme(readmePath: string, table: string): boolean {
  const text = fs.readFileSync(readmePath, 'utf8');
  const a = text.indexOf(START);
  const b = text.indexOf(END);
  if (a < 0 || b < a) return false;
  fs.writeFileSync(readmePath, `${text.slice(0, a + START.length)}\n${table}${text.slice(b)}`);
  return true;
}
