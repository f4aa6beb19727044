/**
 * Backup and restore with the admin command line, as an operator runs them:
 * a backup taken from a running server while it keeps writing, a restore
 * refused over the running server's data, and a restore into a new data
 * directory that a second server starts on and serves the same personas,
 * keys, follows, rooms and passwords.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { Agent } from 'undici';
import { TestClient } from '../helpers/http-client.js';
import { REPO_ROOT, freePort, startServerProcess, tempDir, waitFor, type ServerProcess } from '../helpers/server-process.js';

const CLI_JS = path.join(REPO_ROOT, 'dist', 'server', 'admin', 'cli.js');
const AP = { accept: 'application/activity+json' };

function runCli(args: string[], dataDir: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env = { PATH: process.env['PATH'] ?? '', HEARTH_DATA_DIR: dataDir };
  const child = spawn(process.execPath, [CLI_JS, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

describe('backup and restore (admin CLI against a running server)', () => {
  const procs: ServerProcess[] = [];
  after(() => {
    for (const p of procs) p.kill('SIGKILL');
  });

  it('backs up a running server, refuses to restore over it, and a restored copy serves the same data', { timeout: 120_000 }, async () => {
    const publicUrl = `http://localhost:${await freePort()}`;
    const boot = async (dataDir: string): Promise<{ proc: ServerProcess; base: string }> => {
      const port = await freePort();
      const env = { HEARTH_PORT: String(port), HEARTH_HOST: '127.0.0.1', HEARTH_PUBLIC_URL: publicUrl, HEARTH_DATA_DIR: dataDir, HEARTH_MEDIA_WORKERS: '1' };
      const proc = startServerProcess({ env });
      procs.push(proc);
      await proc.waitForLog((l) => l.msg === 'listening', 30_000);
      return { proc, base: `http://127.0.0.1:${port}` };
    };
    const original = tempDir('hearth-backup-src-');
    const { proc: first, base } = await boot(original);

    const host = new TestClient(new Agent());
    const fan = new TestClient(new Agent());
    assert.equal((await host.post(`${base}/api/v1/accounts`, { username: 'keeper', password: 'keeper long password' })).status, 201);
    assert.equal((await host.post(`${base}/api/v1/personas`, { handle: 'heron', displayName: 'Heron' })).status, 201);
    assert.equal((await fan.post(`${base}/api/v1/accounts`, { username: 'fanuser', password: 'fanuser long password' })).status, 201);
    assert.equal((await fan.post(`${base}/api/v1/personas`, { handle: 'finch', displayName: 'Finch' })).status, 201);
    const follow = await fan.post(`${base}/api/v1/personas/finch/follow`, { target: `heron@${new URL(publicUrl).host}` });
    assert.equal(follow.status, 200, follow.text);
    await waitFor(async () => (await host.get<{ followers: string[] }>(`${base}/api/v1/personas/heron/export`)).body.followers.length === 1, 5_000, 'the follow');
    const room = await host.post<{ id: string; title: string }>(`${base}/api/v1/rooms`, { title: 'Kept safe', visibility: 'public' });
    assert.equal(room.status, 201, room.text);
    const actorBefore = await host.get<{ publicKey: { publicKeyPem: string } }>(`${base}/u/heron`, AP);
    assert.equal(actorBefore.status, 200, actorBefore.text);

    // The backup runs while sign-ups keep writing to the same database.
    const backupFile = path.join(tempDir('hearth-backup-out-'), 'hearth-backup.sqlite');
    const writer = new TestClient(new Agent());
    let writing = true;
    let written = 0;
    const writes = (async () => {
      while (writing) {
        const res = await writer.post(`${base}/api/v1/accounts`, { username: `busy${written}`, password: 'busy long password' });
        assert.equal(res.status, 201, res.text);
        written++;
      }
    })();
    const backup = await runCli(['backup', backupFile], original);
    writing = false;
    await writes;
    assert.equal(backup.code, 0, backup.stderr);
    assert.match(backup.stdout, /^backup written to .*hearth-backup\.sqlite: \d+ bytes, \d+ pages, schema version \d+, integrity ok/);
    assert.ok(written > 0, 'no write happened during the backup');
    const check = new Database(backupFile, { readonly: true });
    assert.equal(check.pragma('integrity_check', { simple: true }), 'ok');
    assert.equal(check.pragma('journal_mode', { simple: true }), 'delete', 'the backup is one self-contained file');
    check.close();
    const again = await runCli(['backup', backupFile], original);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /already exists/);

    // Restoring over the running server's data is refused, and leaves it alone.
    const refused = await runCli(['restore', backupFile, '--force'], original);
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stderr, /open in a running process.*stop it before restoring/);
    assert.equal((await host.get(`${base}/api/v1/personas`)).status, 200, 'the running server still serves');

    const copy = tempDir('hearth-backup-dst-');
    const restored = await runCli(['restore', backupFile], copy);
    assert.equal(restored.code, 0, restored.stderr);
    assert.match(restored.stdout, /^restored \d+ bytes \(schema version \d+\) into /);
    const twice = await runCli(['restore', backupFile], copy);
    assert.equal(twice.code, 1);
    assert.match(twice.stderr, /already holds a database; pass --force/);

    // The first server stops; a second one starts on the restored copy under the same public URL.
    first.kill('SIGTERM');
    assert.equal((await first.exited).code, 0);
    const { base: base2 } = await boot(copy);
    const keeper = new TestClient(new Agent());
    const signIn = await keeper.post<{ actingPersona: string }>(`${base2}/api/v1/sessions`, { username: 'keeper', password: 'keeper long password' });
    assert.equal(signIn.status, 201, signIn.text);
    assert.equal(signIn.body.actingPersona, 'heron');
    const exported = await keeper.get<{ followers: string[] }>(`${base2}/api/v1/personas/heron/export`);
    assert.deepEqual(exported.body.followers, [`${publicUrl}/u/finch`]);
    const fanAgain = new TestClient(new Agent());
    assert.equal((await fanAgain.post(`${base2}/api/v1/sessions`, { username: 'fanuser', password: 'fanuser long password' })).status, 201);
    const following = await fanAgain.get<{ following: string[] }>(`${base2}/api/v1/personas/finch/export`);
    assert.deepEqual(following.body.following, [`${publicUrl}/u/heron`]);
    const actorAfter = await keeper.get<{ publicKey: { publicKeyPem: string } }>(`${base2}/u/heron`, AP);
    assert.equal(actorAfter.status, 200);
    assert.equal(actorAfter.body.publicKey.publicKeyPem, actorBefore.body.publicKey.publicKeyPem, 'the same signing key');
    const roomAfter = await keeper.get<{ title: string }>(`${base2}/api/v1/rooms/${room.body.id}`);
    assert.equal(roomAfter.status, 200);
    assert.equal(roomAfter.body.title, 'Kept safe');
    assert.equal((await new TestClient(new Agent()).post(`${base2}/api/v1/sessions`, { username: 'keeper', password: 'wrong password here' })).status, 401);
    fs.rmSync(original, { recursive: true, force: true });
  });
});
