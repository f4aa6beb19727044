// Runs real mediasoup workers: MEDIASOUP_WORKER_BIN must point at a built
// worker binary (`npm test` sets it to the cached build).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { observer as mediasoupObserver, type types } from 'mediasoup';
import { pino, type Logger } from 'pino';
import { AUDIO_MEDIA_CODECS, MediaWorkerPool, type WorkerRef } from './index.js';
import { processExists } from './process-exit.js';

interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

/** A real pino logger whose lines the test can read. */
function capturingLogger(): { log: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => lines.push(JSON.parse(line) as LogLine) });
  return { log, lines };
}

function newPool(log: Logger, rtcMinPort = 41000, rtcMaxPort = 41099): MediaWorkerPool {
  return new MediaWorkerPool({ size: 2, logLevel: 'warn', rtcMinPort, rtcMaxPort, log });
}

/** The next `event` of the pool, or a rejection after `timeoutMs`. */
function nextEvent(
  pool: MediaWorkerPool,
  event: 'workerDied' | 'workerReplaced',
  timeoutMs: number,
): Promise<WorkerRef> {
  return new Promise((resolve, reject) => {
    const listener = (ref: WorkerRef): void => {
      clearTimeout(timer);
      resolve(ref);
    };
    const timer = setTimeout(() => {
      pool.off(event, listener);
      reject(new Error(`no ${event} event within ${timeoutMs} ms`));
    }, timeoutMs);
    pool.once(event, listener);
  });
}

/** Polls `condition` until it holds, or rejects after `timeoutMs`. */
async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The command line of a running process (Linux), to see which ports a worker got. */
function commandLine(pid: number): string[] {
  return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
}

/** No test may hang the run: each fails on its own after this long. */
const LIMIT = { timeout: 20_000 };

function pidsOf(pool: MediaWorkerPool): number[] {
  return pool.stats().flatMap((s) => (s.pid === null ? [] : [s.pid]));
}

void describe('MediaWorkerPool with real mediasoup workers', () => {
  before(() => {
    const bin = process.env.MEDIASOUP_WORKER_BIN;
    assert.ok(bin, 'MEDIASOUP_WORKER_BIN must point at a built mediasoup-worker (npm test sets it)');
    assert.ok(fs.existsSync(bin), `MEDIASOUP_WORKER_BIN=${bin} does not exist`);
  });

  void it('starts size workers, reports them alive, and gives each its own port range', LIMIT, async () => {
    const pool = newPool(pino({ level: 'silent' }));
    try {
      await pool.start();
      assert.equal(pool.size, 2);
      assert.equal(pool.aliveCount(), 2);
      const stats = pool.stats();
      assert.deepEqual(
        stats.map((s) => [s.slot, s.alive, s.routers, s.restarts]),
        [
          [0, true, 0, 0],
          [1, true, 0, 0],
        ],
      );
      const pids = pidsOf(pool);
      assert.equal(new Set(pids).size, 2, 'two distinct worker processes');
      const [pid0, pid1] = pids as [number, number];
      assert.ok(processExists(pid0) && processExists(pid1));
      assert.ok(commandLine(pid0).includes('--rtcMinPort=41000') && commandLine(pid0).includes('--rtcMaxPort=41049'));
      assert.ok(commandLine(pid1).includes('--rtcMinPort=41050') && commandLine(pid1).includes('--rtcMaxPort=41099'));
    } finally {
      await pool.close();
    }
  });

  void it('balances routers with leastLoaded() and follows router close', LIMIT, async () => {
    const pool = newPool(pino({ level: 'silent' }), 41100, 41199);
    try {
      await pool.start();
      // Rooms created at the same moment, before any router exists, still spread out.
      const a = pool.leastLoaded();
      const b = pool.leastLoaded();
      assert.ok(a.ok && b.ok);
      assert.notEqual(a.value.pid, b.value.pid);

      const routers = [];
      for (let i = 0; i < 4; i++) {
        const picked = pool.leastLoaded();
        assert.ok(picked.ok);
        routers.push({ pid: picked.value.pid, router: await picked.value.createRouter({ mediaCodecs: AUDIO_MEDIA_CODECS }) });
      }
      assert.deepEqual(pool.stats().map((s) => s.routers), [2, 2]);

      // The router speaks Opus only, with FEC and DTX.
      const codecs = routers[0]?.router.rtpCapabilities.codecs ?? [];
      assert.deepEqual(codecs.map((c) => c.mimeType), ['audio/opus']);
      const parameters = codecs[0]?.parameters as Record<string, unknown> | undefined;
      assert.equal(parameters?.useinbandfec, 1);
      assert.equal(parameters?.usedtx, 1);

      const closing = routers[3];
      assert.ok(closing);
      closing.router.close();
      assert.deepEqual(pool.stats().map((s) => s.routers).sort(), [1, 2]);
      const next = pool.leastLoaded();
      assert.ok(next.ok);
      assert.equal(next.value.pid, closing.pid, 'the worker that lost a router is now the least loaded');
    } finally {
      await pool.close();
    }
  });

  void it('drops a SIGKILLed worker within 2 s, reports it once, and replaces it with a new process', LIMIT, async () => {
    const { log, lines } = capturingLogger();
    const pool = newPool(log, 41200, 41299);
    try {
      await pool.start();
      const [victim, survivor] = pool.stats();
      assert.ok(victim?.pid && survivor?.pid);
      const doomed = pool.leastLoaded();
      assert.ok(doomed.ok && doomed.value.pid === victim.pid);
      const router = await doomed.value.createRouter({ mediaCodecs: AUDIO_MEDIA_CODECS });

      const died = nextEvent(pool, 'workerDied', 2000);
      const replaced = nextEvent(pool, 'workerReplaced', 5000);
      process.kill(victim.pid, 'SIGKILL');

      await waitFor(() => pool.aliveCount() === 1, 2000, 'aliveCount to drop to 1');
      assert.deepEqual(await died, { slot: 0, pid: victim.pid });
      assert.ok(router.closed, "the dead worker's router is closed");
      const pick = pool.leastLoaded();
      assert.ok(pick.ok && pick.value.pid === survivor.pid, 'only the survivor is offered meanwhile');

      const replacement = await replaced;
      assert.equal(replacement.slot, 0);
      assert.notEqual(replacement.pid, victim.pid);
      assert.equal(pool.aliveCount(), 2);
      assert.ok(processExists(replacement.pid));
      assert.deepEqual(pool.stats()[0], { slot: 0, pid: replacement.pid, alive: true, routers: 0, restarts: 1 });
      assert.equal(pool.stats()[1]?.pid, survivor.pid);

      const deathLines = lines.filter((l) => l.msg === 'mediasoup worker died');
      assert.equal(deathLines.length, 1, 'the death is logged once');
      assert.equal(deathLines[0]?.level, 50, 'at error level');
      assert.equal(deathLines[0]?.slot, 0);
      assert.equal(deathLines[0]?.pid, victim.pid);
      assert.match(String(deathLines[0]?.error), /SIGKILL/);
    } finally {
      await pool.close();
    }
  });

  void it('close() stops every worker process, is idempotent, and cancels a pending replacement', LIMIT, async () => {
    const pool = newPool(pino({ level: 'silent' }), 41300, 41399);
    await pool.start();
    const pids = pidsOf(pool);
    assert.equal(pids.length, 2);
    let closeEvents = 0;
    let replacements = 0;
    pool.on('close', () => closeEvents++);
    pool.on('workerReplaced', () => replacements++);

    // Kill one worker so that a replacement is scheduled (250 ms away), then close at once.
    const died = nextEvent(pool, 'workerDied', 2000);
    process.kill(pids[0] ?? -1, 'SIGKILL');
    await died;
    await Promise.all([pool.close(), pool.close()]);
    await pool.close();

    assert.ok(pool.closed);
    assert.equal(closeEvents, 1);
    assert.equal(pool.aliveCount(), 0);
    const pick = pool.leastLoaded();
    assert.ok(!pick.ok && pick.error === 'pool-closed');
    for (const pid of pids) {
      assert.throws(() => process.kill(pid, 0), { code: 'ESRCH' }, `worker ${pid} is gone`);
    }
    // The pending replacement was due 250 ms after the death: no worker may be spawned for it at all.
    // The positive signal: a witness pool, whose worker dies after that one did, gets its own
    // replacement (same backoff, same spawn); by then the cancelled one would have been spawned.
    const witness = newPool(pino({ level: 'silent' }), 41400, 41499);
    await witness.start();
    const spawnedAfterClose: number[] = [];
    const onNewWorker = (worker: types.Worker): void => {
      spawnedAfterClose.push(worker.pid);
    };
    mediasoupObserver.on('newworker', onNewWorker);
    try {
      const replaced = nextEvent(witness, 'workerReplaced', 5000);
      process.kill(pidsOf(witness)[0] ?? -1, 'SIGKILL');
      const { pid: witnessPid } = await replaced;
      assert.deepEqual(spawnedAfterClose, [witnessPid], 'no worker spawned after close(), only the witness\'s replacement');
    } finally {
      mediasoupObserver.off('newworker', onNewWorker);
      await witness.close();
    }
    assert.equal(replacements, 0, 'no replacement after close()');
    assert.equal(pool.aliveCount(), 0);
  });
});

void describe('MediaWorkerPool without a usable worker binary (child process)', () => {
  const fixture = fileURLToPath(new URL('./test-fixtures/start-without-worker.js', import.meta.url));
  let tmp = '';

  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-media-'));
  });

  after(() => {
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  /** Runs the fixture with the given worker binary; resolves with its JSON outcome. */
  function startWith(workerBin: string): Promise<Record<string, unknown>> {
    return new Promise((resolve, reject) => {
      execFile(
        process.execPath,
        [fixture],
        { env: { ...process.env, MEDIASOUP_WORKER_BIN: workerBin }, timeout: 15_000 },
        (error, stdout, stderr) => {
          if (error) return reject(new Error(`fixture failed: ${error.message}\n${stderr}`));
          try {
            resolve(JSON.parse(stdout) as Record<string, unknown>);
          } catch {
            reject(new Error(`fixture printed no JSON: ${stdout}\n${stderr}`));
          }
        },
      );
    });
  }

  function assertUnavailable(outcome: Record<string, unknown>, workerBin: string): void {
    assert.equal(outcome.started, false);
    assert.equal(outcome.isMediaUnavailableError, true, `got ${String(outcome.name)}: ${String(outcome.message)}`);
    assert.equal(outcome.name, 'MediaUnavailableError');
    const message = String(outcome.message);
    assert.ok(!message.includes('\n'), 'one line');
    assert.ok(message.includes('MEDIASOUP_WORKER_BIN'));
    assert.ok(message.includes('npm start'));
    assert.ok(message.includes(workerBin), 'names the binary it tried');
  }

  void it('start() rejects with MediaUnavailableError when the binary does not exist', LIMIT, async () => {
    const missing = path.join(tmp, 'no-such-mediasoup-worker');
    assertUnavailable(await startWith(missing), missing);
  });

  void it('start() rejects with MediaUnavailableError when the binary exits at once', LIMIT, async () => {
    const broken = path.join(tmp, 'broken-mediasoup-worker');
    fs.writeFileSync(broken, '#!/bin/sh\nexit 1\n', { mode: 0o755 });
    assertUnavailable(await startWith(broken), broken);
  });
});
