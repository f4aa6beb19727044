/**
 * Every benchmark once at a tiny size, so `npm run bench` keeps working: the
 * result JSON of each must hold sane figures (the targets are judged on the
 * full run, not here).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runBenchmarks } from './run.js';
import type { BenchResult } from './types.js';

const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-bench-test-'));
let results: BenchResult[] = [];
type Written = BenchResult & { machine: { cores: number; cpuModel: string } };
const json = (name: string): Written => JSON.parse(fs.readFileSync(path.join(outDir, `${name}.json`), 'utf8')) as Written;
const num = (v: unknown): number => {
  if (typeof v !== 'number' || !Number.isFinite(v)) assert.fail(`${String(v)} is not a finite number`);
  return v;
};

describe('benchmarks at a tiny size', { timeout: 120_000 }, () => {
  before(async () => {
    ({ results } = await runBenchmarks({ size: 'tiny', outDir, quiet: true }));
  });
  after(() => fs.rmSync(outDir, { recursive: true, force: true }));

  it('runs every benchmark but the cascade, and records the machine', () => {
    const ran = Object.fromEntries(results.map((r) => [r.name, r.ran ? 'ran' : r.reason]));
    assert.deepEqual(ran, { sfu: 'ran', join: 'ran', inbox: 'ran', fanout: 'ran', cascade: ran.cascade, memory: 'ran' });
    assert.match(String(ran.cascade), /cannot run|no cascade link/);
    const { machine } = json('sfu');
    assert.ok(machine.cores >= 1 && machine.cpuModel.length > 0);
  });

  it('SFU: packets forwarded at a plausible CPU cost, little loss, both variants, a chart', () => {
    const points = json('sfu').figures.points as Array<Record<string, unknown>>;
    assert.deepEqual(points.map((p) => p.variant).sort(), ['bare', 'hearth']);
    for (const p of points) {
      assert.ok(num(p.forwardedPerSecond) > 100, 'packets were forwarded');
      const us = num(p.cpuUsPerPacket);
      assert.ok(us > 0.5 && us < 10_000, `${us} µs per packet`);
      assert.ok(num(p.lossPercent) < 20, `loss ${String(p.lossPercent)} %`);
      assert.equal(p.routers, 2, `${String(p.variant)}: the room spread over both workers`);
    }
    assert.match(fs.readFileSync(path.join(outDir, 'sfu.svg'), 'utf8'), /^<svg[\s\S]*polyline[\s\S]*<\/svg>/);
  });

  it('join: every join reached its first RTP packet', () => {
    const f = json('join').figures as { sequential: Record<string, unknown>; storm: Record<string, unknown> };
    assert.ok(num(f.sequential.p50Ms) > 0 && num(f.sequential.p99Ms) < 5000);
    assert.equal(f.storm.succeeded, f.storm.joins);
  });

  it('inbox: every signed activity accepted by Hearth, a baseline figure or a reason', () => {
    const f = json('inbox').figures as { hearth: Record<string, unknown>; baseline: Record<string, unknown>; idleRssMb: Record<string, unknown> };
    assert.equal(f.hearth.accepted, f.hearth.sent);
    assert.ok(num(f.hearth.sent) > 0 && num(f.hearth.perSecond) > 0 && num(f.hearth.p99Ms) > 0);
    assert.ok(typeof f.baseline.perSecond === 'number' || typeof f.baseline.error === 'string');
    assert.ok(num(f.idleRssMb.server) > 10 && num(f.idleRssMb.workers) > 1);
  });

  it('fan-out: every recipient got the activity from Hearth; the baseline delivered some', () => {
    const f = json('fanout').figures as { recipients: number; hearth: Record<string, unknown>; baseline: Record<string, unknown> };
    assert.equal(f.hearth.delivered, f.recipients);
    assert.ok(num(f.baseline.delivered) > 0);
  });

  it('the summary has a row per target, each with a measured figure', () => {
    const summary = fs.readFileSync(path.join(outDir, 'summary.md'), 'utf8');
    for (const b of ['1 SFU', '2 Join', '3 Inbox', '4 Fan-out', '5 Cascade', '6 Memory']) assert.ok(summary.includes(`| ${b}`), b);
    assert.match(summary, /Measured \d{4}-\d\d-\d\d on \d+ cores/);
  });
});
