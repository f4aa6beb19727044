/**
 * A live room survives a restart of the server process: it is picked up at
 * boot (its router recreated) and still ends by itself when nobody comes.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Agent } from 'undici';
import { TestClient } from '../helpers/http-client.js';
import { freePort, startServerProcess, tempDir, waitFor, type ServerProcess } from '../helpers/server-process.js';

describe('rooms across a restart', () => {
  const procs: ServerProcess[] = [];
  after(() => {
    for (const p of procs) p.kill('SIGKILL');
  });

  it('picks a live room up again at boot and ends it after the idle time', async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const env = {
      HEARTH_PORT: String(port),
      HEARTH_HOST: '127.0.0.1',
      HEARTH_PUBLIC_URL: `http://localhost:${port}`,
      HEARTH_DATA_DIR: tempDir(),
      HEARTH_MEDIA_WORKERS: '1',
      HEARTH_ROOM_IDLE_SECONDS: '6',
    };
    const boot = async (): Promise<ServerProcess> => {
      const proc = startServerProcess({ env });
      procs.push(proc);
      await proc.waitForLog((l) => l.msg === 'listening', 30_000);
      return proc;
    };
    const first = await boot();
    const client = new TestClient(new Agent());
    assert.equal((await client.post(`${base}/api/v1/accounts`, { username: 'restarter', password: 'restarter long password' })).status, 201);
    assert.equal((await client.post(`${base}/api/v1/personas`, { handle: 'phoenix', displayName: 'Phoenix' })).status, 201);
    const created = await client.post<{ id: string; state: string }>(`${base}/api/v1/rooms`, { title: 'Still here', visibility: 'public' });
    assert.equal(created.status, 201, created.text);
    assert.equal(created.body.state, 'live');
    first.kill('SIGTERM');
    assert.equal((await first.exited).code, 0);

    await boot();
    const anyone = new TestClient(new Agent());
    const after = await anyone.get<{ state: string }>(`${base}/api/v1/rooms/${created.body.id}`);
    assert.equal(after.status, 200);
    assert.equal(after.body.state, 'live', 'the room is live again after the restart');
    await waitFor(async () => (await anyone.get<{ state: string }>(`${base}/api/v1/rooms/${created.body.id}`)).body.state === 'ended', 15_000, 'the empty room to end by itself');
  });
});
