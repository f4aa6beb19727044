/**
 * The real server process: boot, health, logging hygiene, worker death,
 * graceful shutdown, and every startup failure the foundation promises a
 * clear one-line error for.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { childPids, freePort, startServerProcess, tempDir, waitFor, type ServerProcess } from '../helpers/server-process.js';

interface Health {
  status: string;
  version: string;
  store: string;
  mediaWorkers: number;
}

async function getHealth(base: string): Promise<{ status: number; body: Health }> {
  const res = await fetch(`${base}/healthz`);
  return { status: res.status, body: (await res.json()) as Health };
}

async function bootServer(extraEnv: NodeJS.ProcessEnv = {}): Promise<{ proc: ServerProcess; base: string; dataDir: string }> {
  const port = await freePort();
  const dataDir = extraEnv.HEARTH_DATA_DIR ?? tempDir();
  const proc = startServerProcess({
    env: { HEARTH_PORT: String(port), HEARTH_HOST: '127.0.0.1', HEARTH_DATA_DIR: dataDir, HEARTH_MEDIA_WORKERS: '1', ...extraEnv },
  });
  await proc.waitForLog((l) => l.msg === 'listening', 30_000);
  return { proc, base: `http://127.0.0.1:${port}`, dataDir };
}

function fileHash(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** A startup failure: non-zero exit and exactly one line on stderr. */
async function expectStartupFailure(proc: ServerProcess, code: number): Promise<string> {
  const { code: exitCode } = await proc.exited;
  const stderr = proc.stderr().trim();
  assert.equal(exitCode, code, `exit code; stderr: ${stderr}`);
  assert.equal(stderr.split('\n').length, 1, `one line on stderr, got: ${stderr}`);
  assert.match(stderr, /^hearth: /);
  return stderr;
}

describe('server process', () => {
  const running: ServerProcess[] = [];
  after(() => {
    for (const p of running) p.kill('SIGKILL');
  });

  it('boots on SQLite with a live media worker and answers /healthz', async () => {
    const { proc, base, dataDir } = await bootServer();
    running.push(proc);
    const health = await getHealth(base);
    assert.equal(health.status, 200);
    assert.equal(health.body.status, 'ok');
    assert.equal(health.body.store, 'sqlite');
    assert.equal(health.body.mediaWorkers, 1);
    assert.match(health.body.version, /^\d+\.\d+\.\d+/);
    assert.ok(fs.existsSync(path.join(dataDir, 'hearth.sqlite')), 'SQLite database created under the data dir');

    const missing = await fetch(`${base}/no/such/route`);
    assert.equal(missing.status, 404);
    assert.equal(((await missing.json()) as { error: string }).error, 'not_found');

    proc.kill('SIGTERM');
    assert.deepEqual(await proc.exited, { code: 0, signal: null });
  });

  it('puts a request id on every log line of a request and keeps cookies, tokens and IPs out of the log', async () => {
    const { proc, base } = await bootServer({ HEARTH_LOG_LEVEL: 'debug' });
    running.push(proc);
    const res = await fetch(`${base}/api/v1/whatever?token=supersecrettoken`, {
      headers: { cookie: 'hearth_session=cookievalue123', authorization: 'Bearer bearervalue456', 'x-forwarded-for': '203.0.113.9' },
    });
    assert.equal(res.status, 404);
    const requestId = res.headers.get('x-request-id');
    assert.ok(requestId, 'X-Request-Id answered');
    const line = await proc.waitForLog((l) => (l.req as { id?: string } | undefined)?.id === requestId);
    assert.equal(line.module, 'http');
    const echoed = await fetch(`${base}/healthz`, { headers: { 'x-request-id': 'proxy-given-id-1234' } });
    assert.equal(echoed.headers.get('x-request-id'), 'proxy-given-id-1234');
    proc.kill('SIGTERM');
    await proc.exited;
    const log = proc.rawStdout();
    for (const secret of ['cookievalue123', 'bearervalue456', 'supersecrettoken', '203.0.113.9']) {
      assert.ok(!log.includes(secret), `log must not contain ${secret}`);
    }
    // The client connected from 127.0.0.1: no request line may carry it (the
    // "listening" line names the bind address, which is not a client's).
    const requestLines = proc.lines.filter((l) => l.req !== undefined);
    assert.ok(requestLines.length >= 1);
    for (const l of requestLines) assert.ok(!JSON.stringify(l).includes('127.0.0.1'), JSON.stringify(l));
  });

  it('shows a dead media worker in /healthz within 2 seconds and replaces it', async () => {
    const { proc, base } = await bootServer();
    running.push(proc);
    const serverPid = proc.child.pid;
    assert.ok(serverPid);
    const workers = childPids(serverPid);
    assert.equal(workers.length, 1, 'one mediasoup worker process');
    const killedAt = Date.now();
    process.kill(workers[0]!, 'SIGKILL');
    await waitFor(async () => (await getHealth(base)).status === 503, 2_000, '/healthz to report the dead worker');
    assert.ok(Date.now() - killedAt <= 2_000);
    const down = await getHealth(base);
    assert.equal(down.body.status, 'unavailable');
    assert.equal(down.body.mediaWorkers, 0);
    await proc.waitForLog((l) => l.level === 50 && /worker/i.test(String(l.msg)), 2_000);
    const back = await waitFor(async () => {
      const h = await getHealth(base);
      return h.status === 200 ? h : undefined;
    }, 10_000, 'a replacement worker');
    assert.equal(back.body.mediaWorkers, 1);
    const replacement = childPids(serverPid);
    assert.equal(replacement.length, 1);
    assert.notEqual(replacement[0], workers[0]);
    proc.kill('SIGTERM');
    assert.equal((await proc.exited).code, 0);
  });

  it('stops on SIGTERM and SIGINT within 10 seconds with exit code 0 and no worker left', async () => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      const { proc, base } = await bootServer({ HEARTH_MEDIA_WORKERS: '2' });
      running.push(proc);
      const workers = childPids(proc.child.pid!);
      assert.equal(workers.length, 2);
      // An idle keep-alive connection must not hold the shutdown up.
      await fetch(`${base}/healthz`);
      const started = Date.now();
      proc.kill(signal);
      const result = await proc.exited;
      assert.deepEqual(result, { code: 0, signal: null }, `${signal}: ${proc.stderr()}`);
      assert.ok(Date.now() - started < 10_000, `${signal} stop took ${Date.now() - started} ms`);
      for (const pid of workers) assert.throws(() => process.kill(pid, 0), /ESRCH/, 'worker process gone');
    }
  });

  it('refuses a port already in use with one line, leaving existing data untouched', async () => {
    const { proc, dataDir } = await bootServer();
    proc.kill('SIGTERM');
    await proc.exited;
    const dbFile = path.join(dataDir, 'hearth.sqlite');
    const before = fileHash(dbFile);

    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', () => resolve()));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const second = startServerProcess({
        env: { HEARTH_PORT: String(port), HEARTH_HOST: '127.0.0.1', HEARTH_DATA_DIR: dataDir, HEARTH_MEDIA_WORKERS: '1' },
      });
      running.push(second);
      const line = await expectStartupFailure(second, 1);
      assert.match(line, new RegExp(`port ${port} .*already in use.*HEARTH_PORT`));
    } finally {
      blocker.close();
    }
    assert.equal(fileHash(dbFile), before, 'database file unchanged');
  });

  it('stops with exit code 2 and the key named on a bad configuration value', async () => {
    const proc = startServerProcess({ env: { HEARTH_PORT: 'eighty', HEARTH_DATA_DIR: tempDir() } });
    running.push(proc);
    const line = await expectStartupFailure(proc, 2);
    assert.match(line, /HEARTH_PORT="eighty": .*expected an integer from 1 to 65535/);
  });

  it('stops with exit code 2 on an unknown key in the config file', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'hearth.json');
    fs.writeFileSync(file, JSON.stringify({ http: { prot: 8080 } }));
    const proc = startServerProcess({ args: ['--config', file], env: { HEARTH_DATA_DIR: dir } });
    running.push(proc);
    const line = await expectStartupFailure(proc, 2);
    assert.match(line, /unknown config key "http\.prot"/);
  });

  it('stops with a one-line error when the data directory cannot be written', async () => {
    const dir = tempDir();
    const blockingFile = path.join(dir, 'not-a-dir');
    fs.writeFileSync(blockingFile, 'keep me');
    const port = await freePort();
    const proc = startServerProcess({
      env: { HEARTH_PORT: String(port), HEARTH_DATA_DIR: path.join(blockingFile, 'data'), HEARTH_MEDIA_WORKERS: '1' },
    });
    running.push(proc);
    const line = await expectStartupFailure(proc, 1);
    assert.ok(line.includes(path.join(blockingFile, 'data')), line);
    assert.match(line, /HEARTH_DATA_DIR/);
    assert.equal(fs.readFileSync(blockingFile, 'utf8'), 'keep me');
  });

  it('stops with a one-line error when MONGODB_URL cannot be reached, without printing its password', async () => {
    const port = await freePort(); // nothing listens there
    const proc = startServerProcess({
      env: { MONGODB_URL: `mongodb://hearth:pa55word@127.0.0.1:${port}/hearth`, HEARTH_DATA_DIR: tempDir(), HEARTH_MEDIA_WORKERS: '1' },
    });
    running.push(proc);
    const line = await expectStartupFailure(proc, 1);
    assert.match(line, /MONGODB_URL/);
    assert.ok(!line.includes('pa55word'), line);
    assert.ok(!proc.rawStdout().includes('pa55word'));
  });

  it('prints the effective configuration with secrets redacted', async () => {
    const proc = startServerProcess({
      args: ['--print-config'],
      env: { MONGODB_URL: 'mongodb://hearth:pa55word@db.example:27017/hearth', HEARTH_PORT: '9999' },
    });
    running.push(proc);
    const { code } = await proc.exited;
    assert.equal(code, 0, proc.stderr());
    const printed = JSON.parse(proc.rawStdout()) as { http: { port: number; publicUrl: string }; storage: { mongodbUrl: string } };
    assert.equal(printed.http.port, 9999);
    assert.equal(printed.http.publicUrl, 'http://localhost:9999');
    assert.equal(printed.storage.mongodbUrl, 'mongodb://[redacted]@db.example:27017/hearth');
  });
});
