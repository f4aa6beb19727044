/**
 * The real server process and its log output: a log reader that goes away or
 * stops reading never stops the server from serving or from stopping, and
 * every line names its module once.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { topLevelKeys } from '../../server/core/logging/raw-json.js';
import { freePort, startServerProcess, tempDir, type ServerProcess } from '../helpers/server-process.js';

/** The shutdown deadline in server/main.ts is 9 s; a stop must come well within 10 s. */
const STOP_WITHIN_MS = 10_000;

async function bootServer(extraEnv: NodeJS.ProcessEnv = {}): Promise<{ proc: ServerProcess; base: string }> {
  const port = await freePort();
  const proc = startServerProcess({
    env: { HEARTH_PORT: String(port), HEARTH_HOST: '127.0.0.1', HEARTH_DATA_DIR: tempDir(), HEARTH_MEDIA_WORKERS: '1', ...extraEnv },
  });
  await proc.waitForLog((l) => l.msg === 'listening', 30_000);
  return { proc, base: `http://127.0.0.1:${port}` };
}

/**
 * Makes `count` requests one after the other, each of which logs a line of
 * several kilobytes (the long path is in it), and expects every one answered.
 */
async function keepRequesting(base: string, count: number): Promise<void> {
  const longPath = `/no/such/route/${'x'.repeat(4000)}`;
  for (let i = 0; i < count; i++) {
    const res = await fetch(`${base}${longPath}/${i}`, { signal: AbortSignal.timeout(5_000) }).catch((e: unknown) => {
      throw new Error(`request ${i} got no answer: ${String(e)}`);
    });
    assert.equal(res.status, 404, `request ${i}`);
    await res.arrayBuffer();
  }
  const health = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(5_000) });
  assert.equal(health.status, 200);
}

async function stopsOnSigterm(proc: ServerProcess): Promise<void> {
  const started = Date.now();
  proc.kill('SIGTERM');
  const result = await Promise.race([
    proc.exited,
    new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), STOP_WITHIN_MS + 2_000).unref()),
  ]);
  assert.notEqual(result, 'hung', `SIGTERM did not end the server; stderr: ${proc.stderr()}`);
  assert.deepEqual(result, { code: 0, signal: null }, `stderr: ${proc.stderr()}`);
  assert.ok(Date.now() - started < STOP_WITHIN_MS, `stop took ${Date.now() - started} ms`);
}

describe('server log output', () => {
  const running: ServerProcess[] = [];
  after(() => {
    for (const p of running) p.kill('SIGKILL');
  });

  it('keeps serving and stops on SIGTERM after the reader of its stdout went away, reporting it once on stderr', async () => {
    const { proc, base } = await bootServer({ HEARTH_LOG_LEVEL: 'debug' });
    running.push(proc);
    // The reader closes its end of the pipe: the next log line meets EPIPE.
    proc.child.stdout?.destroy();
    await keepRequesting(base, 50);
    await stopsOnSigterm(proc);
    const reports = proc.stderr().split('\n').filter((l) => /log output/.test(l));
    assert.equal(reports.length, 1, `one report on stderr, got: ${proc.stderr()}`);
    assert.match(reports[0] ?? '', /EPIPE/);
  });

  it('keeps serving and stops on SIGTERM while the reader of its stdout has stopped reading', async () => {
    const { proc, base } = await bootServer({ HEARTH_LOG_LEVEL: 'debug' });
    running.push(proc);
    // The reader is alive but reads nothing more: the pipe fills up (64 KiB)
    // and then the log buffer (1 MiB): about 8 KiB of log per request.
    proc.child.stdout?.pause();
    await keepRequesting(base, 300);
    await stopsOnSigterm(proc);
    const reports = proc.stderr().split('\n').filter((l) => /log output/.test(l));
    assert.equal(reports.length, 1, `one report on stderr, got: ${proc.stderr()}`);
    assert.match(reports[0] ?? '', /not keeping up/);
    proc.child.stdout?.destroy();
  });

  it('names the module of a line once: no line carries two "module" keys', async () => {
    const { proc, base } = await bootServer({ HEARTH_LOG_LEVEL: 'trace' });
    running.push(proc);
    // Lines from the HTTP layer, accounts, federation and the store.
    await keepRequesting(base, 1);
    const register = await fetch(`${base}/api/v1/accounts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: base },
      body: JSON.stringify({ username: 'logcheck', password: 'a long enough password 123' }),
    });
    await register.arrayBuffer();
    await fetch(`${base}/.well-known/webfinger?resource=acct:nobody@127.0.0.1`).then((r) => r.arrayBuffer());
    await fetch(`${base}/users/nobody/inbox`, { method: 'POST', headers: { 'content-type': 'application/activity+json' }, body: '{}' }).then((r) => r.arrayBuffer());
    await stopsOnSigterm(proc);

    const lines = proc.rawStdout().split('\n').filter((l) => l.length > 0);
    const modules = new Set<string>();
    for (const line of lines) {
      // Read from the raw text: JSON.parse would keep only the last of two equal keys.
      const count = topLevelKeys(line).filter((k) => k === 'module').length;
      assert.ok(count <= 1, `one "module" key at most: ${line.slice(0, 400)}`);
      const parsed = JSON.parse(line) as { module?: string };
      if (parsed.module !== undefined) modules.add(parsed.module);
    }
    // The check saw lines of several modules, not an empty log.
    for (const expected of ['http', 'store.sqlite', 'media.worker-pool']) {
      assert.ok(modules.has(expected), `a line of ${expected} among ${[...modules].join(', ')}`);
    }
  });
});
