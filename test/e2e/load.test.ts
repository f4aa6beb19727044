/**
 * Load (issue 15, item 6): WebSocket clients joining one room within ten
 * seconds while the inbox receives signed activities at a steady rate. All
 * joins must succeed, the server keep serving, and the listeners already in
 * the room (real media: SRTP plain transports consuming the room's speakers,
 * the benchmarks' rig) lose at most 0.5% of packets. `npm test`: 50 joins
 * and 20 activities per second; `npm run stress`: 500 joins and 100 per
 * second (docs/reliability.md).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { types } from 'mediasoup';
import { prepareFollows } from '../bench/inbox-load.js';
import { startRemoteHost, type RemoteHost } from '../bench/remote-hosts.js';
import { audienceCounters, buildRig, routerRoom, startLoadWorker, type Rig } from '../bench/sfu-rig.js';
import { percentile, sleep } from '../bench/types.js';
import { startRoomsHarness, type RoomsHarness } from '../helpers/rooms-harness.js';
import type { SignalClient } from '../helpers/signal-client.js';
import { STRESS, stressSize } from '../helpers/stress.js';

const JOINS = stressSize(50, 500);
const JOIN_SECONDS = 10;
const INBOX_PER_SECOND = stressSize(20, 100);
const LISTENERS = stressSize(3, 5);
const SPEAKERS = 3;

describe(`load: ${JOINS} joins in ${JOIN_SECONDS} s while the inbox takes ${INBOX_PER_SECOND} signed activities/s`, { timeout: STRESS ? 600_000 : 180_000 }, () => {
  let h: RoomsHarness;
  let remote: RemoteHost;
  let load: types.Worker;
  let rig: Rig | undefined;
  const open: SignalClient[] = [];

  before(async () => {
    h = await startRoomsHarness({
      env: {
        HEARTH_CONNECTIONS_PER_ADDRESS: '100000', HEARTH_FEDERATION_ALLOW_PRIVATE: '127.0.0.0/8',
        HEARTH_FEDERATION_INBOUND_RATE: '1000000', HEARTH_FEDERATION_KEY_FETCH_RATE: '100000',
      },
    });
    remote = await startRemoteHost({ ip: '127.0.0.1', actors: 10 });
    load = await startLoadWorker();
  });
  after(async () => {
    rig?.close();
    for (const c of open) c.close();
    load.close();
    await remote.close();
    await h.close();
  });

  it('admits every join, keeps the inbox and the server answering, and the listeners lose ≤ 0.5%', async () => {
    const host = await h.person('loadhost');
    const roomId = String((await host.client.post('/api/v1/rooms', { title: 'Load', visibility: 'public' })).body.id);
    const actorId = (await h.store.personas.findById(host.personaId))?.actorId;
    assert.ok(actorId);

    // The room's router, seen as the host's join creates it; speakers and listeners attach to it.
    const worker = h.media.leastLoaded();
    assert.ok(worker.ok);
    const routerSeen = new Promise<types.Router>((resolve) => worker.value.observer.once('newrouter', resolve));
    const hostConn = await h.signal(host.cookie);
    open.push(hostConn);
    await hostConn.ok('join', { roomId });
    rig = await buildRig(routerRoom(await routerSeen, [worker.value]), load, SPEAKERS, LISTENERS);
    await sleep(1000);
    const counters = (): Promise<{ packets: number; sent: number }> => audienceCounters(rig!);

    // Signed Follows, made before the clock starts; each actor's key fetched once first.
    const inbox = `${h.baseUrl}/u/loadhost/inbox`;
    const post = async (req: { body: string; headers: Record<string, string> }): Promise<number> => {
      const res = await fetch(inbox, { method: 'POST', headers: req.headers, body: req.body }).catch(() => undefined);
      await res?.arrayBuffer();
      return res?.status ?? 0;
    };
    const warm = prepareFollows({ inbox, target: actorId, actors: remote.actors, count: remote.actors.length, tag: 'warm' });
    for (const req of warm) assert.equal(Math.floor((await post(req)) / 100), 2, 'warm-up accepted');
    const activities = prepareFollows({ inbox, target: actorId, actors: remote.actors, count: INBOX_PER_SECOND * (JOIN_SECONDS + 1), tag: 'load' });

    const before = await counters();
    const t0 = performance.now();
    const inboxDone = Promise.all(activities.map(async (req, i) => {
      await sleep((i * 1000) / INBOX_PER_SECOND);
      return post(req);
    }));
    const joins = await Promise.all(Array.from({ length: JOINS }, async (_, j) => {
      await sleep((j * JOIN_SECONDS * 1000) / JOINS);
      let c: SignalClient;
      try {
        c = await h.signal();
      } catch (e) {
        return { ok: false, ms: Number.NaN, code: `connect: ${e instanceof Error ? e.message : String(e)}` };
      }
      open.push(c);
      const started = performance.now();
      const answer = await c.request('join', { roomId }, 30_000);
      return { ok: answer.ok, ms: performance.now() - started, code: answer.ok ? '' : answer.error.code };
    }));
    const statuses = await inboxDone;
    const seconds = (performance.now() - t0) / 1000;
    const afterLoad = await counters();

    const refused = joins.filter((j) => !j.ok);
    assert.deepEqual(refused.map((j) => j.code), [], 'every join admitted');
    assert.ok(seconds < JOIN_SECONDS + 15, `the load ran in ${seconds.toFixed(1)} s`);
    const accepted = statuses.filter((s) => s >= 200 && s < 300).length;
    assert.equal(accepted, activities.length, `inbox statuses: ${JSON.stringify(statuses.filter((s) => s < 200 || s >= 300).slice(0, 5))}`);
    assert.equal((await fetch(`${h.baseUrl}/healthz`)).status, 200, 'the server still answers');
    const room = await hostConn.room((r) => r.listenerCount === JOINS, 10_000);
    assert.equal(room.guestCount, JOINS);

    const expected = (afterLoad.sent - before.sent) * LISTENERS;
    const lossPercent = Math.max(0, 1 - (afterLoad.packets - before.packets) / expected) * 100;
    const ms = joins.map((j) => j.ms).filter((v) => Number.isFinite(v));
    process.stderr.write(`[load] ${JOINS} joins: p50 ${percentile(ms, 50).toFixed(1)} ms, p99 ${percentile(ms, 99).toFixed(1)} ms; ` +
      `inbox ${accepted}/${activities.length} accepted; ${LISTENERS} listeners lost ${lossPercent.toFixed(3)} % of ${expected} packets; ${seconds.toFixed(1)} s\n`);
    assert.ok(expected > 0, 'the speakers sent');
    assert.ok(lossPercent <= 0.5, `listeners lost ${lossPercent.toFixed(3)} %`);
  });
});
