/**
 * A data directory that fills up under a running server: its own small
 * tmpfs, mounted by the test (root only; skipped, saying so, otherwise).
 * Writes that fail get 503 with one clear log line, reads go on, nothing
 * stored is lost or corrupted, and writes work again by themselves once
 * space is freed. (Read-only cannot be made this way: Linux refuses to
 * remount a file system read-only while the server has files open on it for
 * writing. store-readonly.test.ts shows it by a fault injected at the SQLite
 * store's connection; see docs/reliability.md.)
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { Agent } from 'undici';
import { TestClient } from '../helpers/http-client.js';
import { freePort, startServerProcess, tempDir, type ServerProcess } from '../helpers/server-process.js';

const MAX_WRITES = 600;

function tryMount(dir: string): string | undefined {
  if (process.getuid?.() !== 0) return 'not root';
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=24m', 'tmpfs', dir], { stdio: 'pipe' });
    return undefined;
  } catch (e) {
    return `mount failed: ${String((e as { stderr?: Buffer }).stderr ?? e).trim()}`;
  }
}

/** Fills the file system with one file until ENOSPC. */
function fill(file: string): void {
  const fd = fs.openSync(file, 'w');
  const chunk = Buffer.alloc(256 * 1024);
  try {
    for (;;) fs.writeSync(fd, chunk);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
  } finally {
    fs.closeSync(fd);
  }
}

describe('store faults: the data directory fills up', () => {
  const mountPoint = tempDir('hearth-full-');
  const why = tryMount(mountPoint);
  let proc: ServerProcess | undefined;
  after(async () => {
    proc?.kill('SIGKILL');
    if (proc) await proc.exited;
    if (why === undefined) execFileSync('umount', [mountPoint]);
    fs.rmSync(mountPoint, { recursive: true, force: true });
  });

  it('answers writes 503 while full, keeps serving reads, and writes again once space is freed', { skip: why && `needs a tmpfs of its own (${why})`, timeout: 120_000 }, async () => {
    const dataDir = path.join(mountPoint, 'data');
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    proc = startServerProcess({ env: { HEARTH_PORT: String(port), HEARTH_HOST: '127.0.0.1', HEARTH_PUBLIC_URL: `http://localhost:${port}`, HEARTH_DATA_DIR: dataDir, HEARTH_MEDIA_WORKERS: '1' } });
    await proc.waitForLog((l) => l.msg === 'listening', 30_000);
    const client = new TestClient(new Agent());
    assert.equal((await client.post(`${base}/api/v1/accounts`, { username: 'filler', password: 'filler long password' })).status, 201);
    assert.equal((await client.post(`${base}/api/v1/personas`, { handle: 'dormouse', displayName: 'Dormouse' })).status, 201);
    const room = await client.post<{ id: string }>(`${base}/api/v1/rooms`, { title: 'Before the disk filled', visibility: 'public' });
    assert.equal(room.status, 201);

    const filler = path.join(mountPoint, 'filler');
    fill(filler);
    // The WAL reuses its free frames first: write until the file system is asked for more.
    let refused: { status: number; body: { error?: string } } | undefined;
    let stored = 0;
    for (let i = 0; i < MAX_WRITES && !refused; i++) {
      const res = await client.request<{ error?: string }>('PATCH', `${base}/api/v1/personas/dormouse`, { summary: `summary number ${i} `.repeat(20) });
      assert.ok(res.status === 200 || res.status === 503, `write answered ${res.status}: ${res.text}`);
      if (res.status === 503) refused = res;
      else stored++;
    }
    assert.ok(refused, `no write failed in ${MAX_WRITES} attempts on a full file system`);
    assert.equal(refused.body.error, 'store_unavailable');
    const signUp = await new TestClient(new Agent()).post(`${base}/api/v1/accounts`, { username: 'latecomer', password: 'latecomer long password' });
    assert.equal(signUp.status, 503, signUp.text);

    // Reads go on.
    const read = await client.get<{ title: string }>(`${base}/api/v1/rooms/${room.body.id}`);
    assert.equal(read.status, 200);
    assert.equal(read.body.title, 'Before the disk filled');
    assert.equal((await client.get(`${base}/api/v1/personas`)).status, 200);
    const faultLines = proc.lines.filter((l) => typeof l.msg === 'string' && l.msg.startsWith('the store cannot write'));
    assert.equal(faultLines.length, 1, 'one log line for the fault');
    assert.equal(proc.lines.filter((l) => l.level === 50).length, 1, 'no other error lines');

    // Space comes back: the next write works, without a restart.
    fs.rmSync(filler);
    const again = await client.request('PATCH', `${base}/api/v1/personas/dormouse`, { summary: 'written after the fault' });
    assert.equal(again.status, 200, again.text);
    assert.equal((await new TestClient(new Agent()).post(`${base}/api/v1/accounts`, { username: 'latecomer', password: 'latecomer long password' })).status, 201);
    await proc.waitForLog((l) => l.msg === 'the store writes again', 5_000);

    proc.kill('SIGTERM');
    assert.equal((await proc.exited).code, 0);
    const db = new Database(path.join(dataDir, 'hearth.sqlite'), { readonly: true });
    try {
      assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
      assert.equal(db.prepare('SELECT summary FROM personas WHERE handle = ?').pluck().get('dormouse'), 'written after the fault');
      assert.equal(db.prepare("SELECT count(*) FROM accounts WHERE username IN ('filler', 'latecomer')").pluck().get(), 2);
    } finally {
      db.close();
    }
    process.stdout.write(`# store full: ${stored} writes stored after filling, then 503\n`);
  });
});
