/**
 * Issue 15, item 2 (ADR 0041): every media worker of a running server is
 * killed at once (`kill -9`). /healthz answers 503 while none is alive and
 * 200 once the pool replaced them; every live room moves to a replacement
 * worker, and a listener in a Chromium page hears the speaker again within
 * 3 seconds of the kill. A second room, with only a signaling client in it,
 * is told to reconnect too.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { Agent } from 'undici';
import { audioStats, HAVE_CHROMIUM, openRoomPage, waitForAudio, type BrowserPeer } from '../helpers/browser.js';
import { TestClient } from '../helpers/http-client.js';
import { childPids, freePort, startServerProcess, tempDir, waitFor, type ServerProcess } from '../helpers/server-process.js';
import { SignalClient } from '../helpers/signal-client.js';

const skip = HAVE_CHROMIUM ? {} : { skip: 'no /usr/bin/chromium (npm test installs it when run as root)' };

/** The mediasoup workers among a process's children. */
function workerPids(pid: number): number[] {
  return childPids(pid).filter((child) => {
    try {
      return fs.readFileSync(`/proc/${child}/comm`, 'utf8').startsWith('mediasoup-work');
    } catch {
      return false;
    }
  });
}

describe('killing every media worker at once (real server process, Chromium)', skip, () => {
  let server: ServerProcess;
  let base: string;
  const peers: BrowserPeer[] = [];
  const signals: SignalClient[] = [];
  before(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    server = startServerProcess({
      env: {
        HEARTH_PORT: String(port), HEARTH_HOST: '127.0.0.1', HEARTH_PUBLIC_URL: base, HEARTH_DATA_DIR: tempDir(),
        HEARTH_MEDIA_WORKERS: '2', HEARTH_MEDIA_RTC_MIN_PORT: '51000', HEARTH_MEDIA_RTC_MAX_PORT: '51999',
      },
    });
    await server.waitForLog((l) => l.msg === 'listening', 30_000);
  });
  after(async () => {
    for (const p of peers) await p.close();
    for (const s of signals) s.close();
    server?.kill('SIGKILL');
  });

  /** An account with a persona hosting a live public room. */
  async function hostWithRoom(username: string, handle: string): Promise<{ client: TestClient; roomId: string }> {
    const client = new TestClient(new Agent());
    assert.equal((await client.post(`${base}/api/v1/accounts`, { username, password: `${username} long password` })).status, 201);
    assert.equal((await client.post(`${base}/api/v1/personas`, { handle, displayName: handle })).status, 201);
    const room = await client.post<{ id: string }>(`${base}/api/v1/rooms`, { title: `${handle}'s room`, visibility: 'public' });
    assert.equal(room.status, 201, room.text);
    return { client, roomId: room.body.id };
  }

  async function join(roomId: string, cookie?: string): Promise<BrowserPeer> {
    const peer = await openRoomPage(base, roomId, cookie);
    peers.push(peer);
    await peer.page.getByRole('button', { name: 'Join and listen' }).click({ timeout: 10_000 });
    await peer.page.getByRole('status').filter({ hasText: /Joined|on stage/ }).waitFor({ timeout: 10_000 });
    return peer;
  }

  const health = async (): Promise<{ status: number; mediaWorkers: number }> => {
    const res = await fetch(`${base}/healthz`);
    const body = (await res.json()) as { mediaWorkers: number };
    return { status: res.status, mediaWorkers: body.mediaWorkers };
  };

  it('reports it on /healthz, replaces the workers, recovers every room, and the listener hears audio again within 3 s', { timeout: 120_000 }, async (t) => {
    // Room 1: the host speaks from a page (a host publishes on joining), a guest listens in another.
    const first = await hostWithRoom('allkill_a', 'ember');
    await join(first.roomId, first.client.cookieHeader());
    const guestPage = await join(first.roomId);
    await waitForAudio(guestPage.page, 15_000);
    // Room 2: a guest on a signaling connection only.
    const second = await hostWithRoom('allkill_b', 'cinder');
    const watcher = await SignalClient.connect(base);
    signals.push(watcher);
    await watcher.ok('join', { roomId: second.roomId });
    const watcherFrom = watcher.events.length;
    assert.deepEqual(await health(), { status: 200, mediaWorkers: 2 });

    const pids = workerPids(server.child.pid!);
    assert.equal(pids.length, 2, `two mediasoup workers under the server: ${pids.join(', ')}`);
    const killedAt = Date.now();
    for (const pid of pids) process.kill(pid, 'SIGKILL');

    // /healthz: 503 while no worker is alive, then 200 once the pool replaced them.
    const seen: number[] = [];
    const healthDone = (async () => {
      const deadline = Date.now() + 10_000;
      while (Date.now() < deadline) {
        const h = await health();
        if (seen.at(-1) !== h.status) seen.push(h.status);
        if (seen.includes(503) && h.status === 200) return;
        await new Promise((r) => setTimeout(r, 20));
      }
    })();

    // The listener's page reconnects by itself, and audio flows again within 3 s of the kill.
    await guestPage.page.getByRole('status').filter({ hasText: 'Audio reconnected.' }).waitFor({ timeout: 10_000 }).catch(async (e: unknown) => {
      const media = server.lines.filter((l) => (typeof l.module === 'string' && l.module.startsWith('media')) || String(l.msg).includes('worker'));
      const status = await guestPage.page.getByRole('status').allTextContents().catch(() => []);
      throw new Error(`the page did not reconnect (${String(e)}); page status: ${JSON.stringify(status)}; server: ${JSON.stringify(media.slice(-15))}`);
    });
    const resumed = await waitForAudio(guestPage.page, Math.max(100, 3_000 - (Date.now() - killedAt)));
    const took = Date.now() - killedAt;
    assert.ok(resumed.consumers >= 1);
    assert.ok(took < 3_000, `audio resumed ${took} ms after every worker was killed`);
    t.diagnostic(`audio resumed ${took} ms after every worker was killed`);
    const reconnect = await watcher.event('reconnect', () => true, 10_000, watcherFrom);
    assert.equal(reconnect.data.reason, 'worker_died', 'the second room moved too');

    await healthDone;
    assert.deepEqual(seen.slice(seen.indexOf(503)), [503, 200], `healthz statuses after the kill: ${seen.join(' → ')}`);
    t.diagnostic(`healthz after the kill: ${seen.join(' → ')}`);
    await waitFor(async () => (await health()).mediaWorkers === 2, 10_000, 'both worker slots refilled');
    const replaced = workerPids(server.child.pid!);
    assert.equal(replaced.length, 2);
    assert.ok(replaced.every((pid) => !pids.includes(pid)), 'new worker processes');
    assert.ok(server.lines.some((l) => l.msg === 'mediasoup worker replaced'));
    assert.ok(!server.lines.some((l) => l.msg === 'no live media worker to move the room to'), 'no room gave up');
    // Still audio a moment later (the room stays on its new worker).
    await waitForAudio(guestPage.page, 5_000, await audioStats(guestPage.page));
  });
});
