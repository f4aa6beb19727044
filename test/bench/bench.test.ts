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
import { HAVE_CHROMIUM } from '../helpers/browser.js';
import type { CascadeStep } from './cascade.js';
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

describe('benchmarks at a tiny size', { timeout: 240_000 }, () => {
  before(async () => {
    ({ results } = await runBenchmarks({ size: 'tiny', outDir, quiet: true }));
  });
  after(() => fs.rmSync(outDir, { recursive: true, force: true }));

  it('runs every benchmark (the browser ones where Chromium is), and records the machine', () => {
    const ran = Object.fromEntries(results.map((r) => [r.name, r.ran ? 'ran' : r.reason]));
    const browser = HAVE_CHROMIUM ? 'ran' : 'no /usr/bin/chromium';
    assert.deepEqual(ran, { sfu: 'ran', join: 'ran', browser, rooms: 'ran', inbox: 'ran', fanout: 'ran', cascade: HAVE_CHROMIUM ? 'ran' : ran.cascade, memory: 'ran' });
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

  it('SFU: real WebRTC listeners (DTLS-SRTP, @roamhq/wrtc) received the speakers through both variants', () => {
    const webrtc = json('sfu').figures.webrtc as { unavailable?: string; points: Array<Record<string, unknown>> };
    // The library's binary is published for Linux x64 (and a few others); elsewhere the series must say why it did not run.
    if (webrtc.unavailable && !(process.platform === 'linux' && process.arch === 'x64')) return;
    assert.equal(webrtc.unavailable, undefined);
    assert.deepEqual(webrtc.points.map((p) => p.variant).sort(), ['bare', 'hearth']);
    for (const p of webrtc.points) {
      assert.equal(p.connected, p.listeners, `${String(p.variant)}: every peer connected`);
      assert.ok(num(p.forwardedPerSecond) > 100, 'packets reached the listeners');
      assert.ok(num(p.lossPercent) < 20 && num(p.sfuLossPercent) < 20, `loss ${String(p.lossPercent)} %`);
      assert.ok(num(p.cpuUsPerPacket) > 0.5 && num(p.listenerCpuLoad) > 0, 'worker and listener CPU measured');
    }
    const summary = fs.readFileSync(path.join(outDir, 'summary.md'), 'utf8');
    assert.match(summary, /\| 1 SFU CPU per forwarded packet, WebRTC DTLS-SRTP listeners \(@roamhq\/wrtc\) \| [^|]+ \| [\d.]+ µs at 3 listeners/);
  });

  it('join: every join reached its first RTP packet, each way, sequential and in storms; setup and wait apart', () => {
    type Stats = Record<string, unknown>;
    const f = json('join').figures as { sequential: Record<string, Stats>; storm: { joins: number; atOnce: Record<string, Stats>; spread: { clientOrder: Stats } } };
    for (const flow of ['project', 'clientOrder', 'bare']) {
      const s = f.sequential[flow]!;
      assert.ok(num(s.p50Ms) > 0 && num(s.p99Ms) < 5000, flow);
      assert.ok(num(s.setupP50Ms) > 0 && num(s.setupP50Ms) <= num(s.p99Ms), `${flow}: setup measured apart`);
      num(s.waitP50Ms);
      assert.equal(f.storm.atOnce[flow]!.succeeded, f.storm.joins, `${flow}: every storm join got its first packet`);
    }
    assert.equal(f.storm.spread.clientOrder.succeeded, f.storm.joins);
  });

  it('rooms: bounded room events per listener, every signaling join admitted', () => {
    const f = json('rooms').figures as {
      roomEvents: { points: Array<{ listeners: number; bytesPerListenerPerSecond: number }> };
      signaling: Record<string, { joins: number; succeeded?: number; p99Ms: number }>;
    };
    const points = f.roomEvents.points;
    assert.equal(points.length, 2);
    for (const p of points) assert.ok(num(p.bytesPerListenerPerSecond) > 0, `${p.listeners} listeners were sent something`);
    const { burst, storm, sequential } = f.signaling as Record<string, { joins: number; succeeded?: number; p99Ms: number }>;
    assert.ok(burst && storm && sequential);
    assert.equal(burst.succeeded, burst.joins);
    assert.equal(storm.succeeded, storm.joins);
    assert.ok(num(sequential.p99Ms) > 0);
  });

  it('inbox: every signed activity accepted by Hearth, a baseline figure or a reason', () => {
    const f = json('inbox').figures as { hearth: Record<string, unknown>; baseline: Record<string, unknown>; idleRssMb: Record<string, unknown> };
    assert.equal(f.hearth.accepted, f.hearth.sent);
    assert.ok(num(f.hearth.sent) > 0 && num(f.hearth.perSecond) > 0 && num(f.hearth.p99Ms) > 0);
    // Every Follow's Accept reached the remote host, and its delay and the CPU with it were measured.
    assert.equal(f.hearth.acceptsDelivered, f.hearth.accepted);
    assert.ok(num(f.hearth.acceptDelayP99Ms) > 0 && num(f.hearth.serverCpuMsPerActivityWithAccept) >= num(f.hearth.serverCpuMsPerActivity));
    assert.ok(num(f.hearth.generatorCpuMsPerRequest) > 0);
    assert.ok(typeof f.baseline.perSecond === 'number' || typeof f.baseline.error === 'string');
    assert.ok(num(f.idleRssMb.server) > 10 && num(f.idleRssMb.workers) > 1);
  });

  it('fan-out: every recipient got the activity from Hearth, through shared inboxes in one POST per host too; the baseline delivered some', () => {
    const f = json('fanout').figures as {
      recipients: number; hosts: number; hearth: Record<string, unknown>; baseline: Record<string, unknown>; sharedInboxes: Record<string, unknown>;
    };
    assert.equal(f.hearth.delivered, f.recipients);
    assert.equal(f.hearth.posts, f.recipients);
    assert.equal(f.sharedInboxes.delivered, f.recipients);
    assert.equal(f.sharedInboxes.posts, f.hosts);
    assert.ok(num(f.baseline.delivered) > 0);
  });

  it('browser: every guest page received audio after its click', { skip: !HAVE_CHROMIUM }, () => {
    const f = json('browser').figures as { rounds: number; received: number; p50Ms: unknown };
    assert.equal(f.received, f.rounds);
    assert.ok(num(f.p50Ms) > 0 && num(f.p50Ms) < 10_000);
  });

  it('cascade: one stream per speaker per link at every audience, packets out once per link, the hop timed and its tail attributed', { skip: !HAVE_CHROMIUM }, () => {
    const steps = json('cascade').figures.steps as CascadeStep[];
    assert.ok(steps.length >= 2, 'more than one audience size');
    for (const s of steps) {
      assert.equal(s.streams, s.links, `${s.listenersPerLink} listeners per link`);
      assert.ok(num(s.speakerPacketsPerSecond) > 10, 'the speaker sent audio');
      assert.ok(Math.abs(num(s.packetsRatio) - s.links) < 0.2, `packets ratio ${s.packetsRatio}`);
      assert.ok(s.hopSamples > 10 && num(s.hopP99Ms) > -50 && s.hopP99Ms < 1000, `hop p99 ${s.hopP99Ms} ms over ${s.hopSamples}`);
      assert.ok(s.hopLate >= 0 && s.hopLate <= s.hopSamples && num(s.hopMaxMs) >= s.hopP99Ms, 'late samples counted');
      if (process.platform === 'linux') {
        // The linked worker's CPU wait was read for every sample, so the tail can be attributed.
        assert.ok(num(s.linkedWorkerWaitMs) >= 0, 'the linked worker\'s run-queue wait was read');
        assert.ok(num(s.hopLateWhileWorkerWaited) <= s.hopLate);
      }
    }
  });

  it('memory: the idle server and its workers, and the growth per listener', () => {
    const f = json('memory').figures as { workers: number; idleMb: Record<string, unknown>; perListenerKb: unknown; room: { listeners: number } };
    assert.ok(num(f.idleMb.server) > 10 && num(f.idleMb.workers) > f.workers, 'server and every worker measured');
    assert.ok(f.room.listeners > 0);
    num(f.perListenerKb);
  });

  it('the summary has a row per target, each with a measured figure', () => {
    const summary = fs.readFileSync(path.join(outDir, 'summary.md'), 'utf8');
    for (const b of ['1 SFU', '2 Join to first RTP', '2 Join storm |', '2 Join storm, spread', '2 Browser', '2 Room events', '2 Signaling', '3 Inbox', '4 Fan-out', '5 Cascade', '6 Memory']) assert.ok(summary.includes(`| ${b}`), b);
    assert.match(summary, /Measured \d{4}-\d\d-\d\d on \d+ cores/);
  });
});
