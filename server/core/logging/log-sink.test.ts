import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { LogSink } from './log-sink.js';

const { O_RDONLY, O_WRONLY, O_RDWR, O_NONBLOCK } = fs.constants;
const dirs: string[] = [];

/** Node's stream for a pipe's write end, as process.stdout is when stdout is a pipe. */
function pipeStream(fd: number): net.Socket {
  return new net.Socket({ fd, readable: false, writable: true });
}

/** A named pipe (a real kernel pipe with a 64 KiB buffer, as stdout is under a process manager). */
function fifo(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-log-sink-'));
  dirs.push(dir);
  const file = path.join(dir, 'out');
  const made = spawnSync('mkfifo', [file]);
  assert.equal(made.status, 0, 'mkfifo');
  return file;
}

function waitUntil(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const tick = (): void => {
      if (cond()) resolve();
      else if (Date.now() > deadline) reject(new Error(`timed out waiting for ${what}`));
      else setTimeout(tick, 10);
    };
    tick();
  });
}

describe('LogSink', () => {
  after(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it('writes every line in order to a reader that keeps up', async () => {
    const file = fifo();
    const reader = fs.openSync(file, O_RDONLY | O_NONBLOCK);
    const writer = fs.openSync(file, O_WRONLY | O_NONBLOCK);
    const out = pipeStream(writer);
    const sink = new LogSink({ stream: out, report: () => assert.fail('nothing to report') });
    for (let i = 0; i < 100; i++) sink.write(`{"n":${i}}\n`);
    await sink.drain(2_000);
    const buf = Buffer.alloc(64 * 1024);
    const n = fs.readSync(reader, buf);
    const lines = buf.subarray(0, n).toString().trim().split('\n');
    assert.deepEqual(lines.map((l) => (JSON.parse(l) as { n: number }).n), [...Array(100).keys()]);
    assert.equal(sink.dropped, 0);
    fs.closeSync(reader);
    out.destroy();
  });

  it('turns a reader that went away (EPIPE) into dropped lines, reported once, without throwing', async () => {
    const file = fifo();
    const reader = fs.openSync(file, O_RDONLY | O_NONBLOCK);
    const writer = fs.openSync(file, O_WRONLY | O_NONBLOCK);
    fs.closeSync(reader);
    const reports: string[] = [];
    const out = pipeStream(writer);
    const sink = new LogSink({ stream: out, report: (m) => reports.push(m) });
    sink.write('{"first":true}\n');
    await waitUntil(() => sink.broken, 2_000, 'the sink to see EPIPE');
    for (let i = 0; i < 10; i++) sink.write('{"later":true}\n');
    await sink.drain(2_000);
    assert.equal(reports.length, 1);
    assert.match(reports[0] ?? '', /EPIPE/);
    assert.equal(sink.dropped, 10);
    out.destroy();
  });

  it('bounds what waits for a reader that stopped reading, and drain() gives up after its timeout', async () => {
    const file = fifo();
    // Read-write open: a reader exists (no EPIPE) but nobody reads, so the pipe fills.
    const fd = fs.openSync(file, O_RDWR | O_NONBLOCK);
    const reports: string[] = [];
    const out = pipeStream(fd);
    const sink = new LogSink({ stream: out, maxBufferedBytes: 16 * 1024, report: (m) => reports.push(m) });
    const line = `${JSON.stringify({ pad: 'x'.repeat(1000) })}\n`;
    // Lines keep coming while nobody reads: the pipe fills (64 KiB), then the sink's buffer.
    let written = 0;
    while (sink.dropped === 0 && written < 1_000) {
      const started = Date.now();
      for (let i = 0; i < 10; i++) sink.write(line);
      written += 10;
      assert.ok(Date.now() - started < 200, 'writing never waits for the output');
      await new Promise((r) => setTimeout(r, 5));
    }
    assert.ok(sink.dropped > 0, 'lines dropped once the bound is reached');
    assert.ok((written - sink.dropped) * line.length > 64 * 1024, 'the pipe filled before the sink dropped anything');
    const drainStarted = Date.now();
    await sink.drain(200);
    assert.ok(Date.now() - drainStarted < 1_000, 'drain is bounded');
    for (let i = 0; i < 5; i++) sink.write(line);
    assert.equal(reports.length, 1, 'reported once');
    assert.match(reports[0] ?? '', /not keeping up/);
    assert.ok(!sink.broken, 'a slow reader is not a broken output');
    // Once the reader reads again, every line that was kept comes out whole.
    const expected = (written + 5 - sink.dropped) * line.length;
    const buf = Buffer.alloc(256 * 1024);
    let got = '';
    await waitUntil(() => {
      try {
        got += buf.subarray(0, fs.readSync(fd, buf)).toString();
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
      }
      return got.length >= expected;
    }, 3_000, 'the kept lines after the reader resumed');
    assert.equal(got.length, expected);
    for (const l of got.trim().split('\n')) assert.equal(l, line.trim());
    out.destroy();
  });
});
