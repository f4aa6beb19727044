/**
 * Benchmark 6, memory (ADR 0045): resident memory (VmRSS) of the real
 * server process (`node dist/server/main.js`) plus its mediasoup workers, at
 * the default worker count (one per core):
 *
 * - idle: after boot, before any room;
 * - per listener: a room whose host produces (over signaling), then N guests
 *   (full: 1,000) that each join, open a receive transport and consume the
 *   host; the growth of server + workers divided by N. Everything a
 *   listener holds on the server is in it (WebSocket, session, room state,
 *   WebRTC transport, consumer) except the DTLS/SRTP state of a connected
 *   transport: the guests' transports are not connected (no WebRTC stack in
 *   the load generator). The SFU benchmark's per-listener growth of the
 *   room worker with connected SRTP transports stays in sfu.json.
 */
import os from 'node:os';
import { clusterClient, startInstances, type TestInstance } from '../helpers/instances.js';
import { childPids } from '../helpers/server-process.js';
import type { SignalClient } from '../helpers/signal-client.js';
import { ask, createRoom, signalTo, signUp } from './live-room.js';
import { rssBytes } from './machine.js';
import { mapLimit, round, sleep, type BenchContext, type BenchResult } from './types.js';

const FAKE_RTP = { codecs: [{ mimeType: 'audio/opus', payloadType: 100, clockRate: 48000, channels: 2 }], encodings: [{ ssrc: 4242 }] };

/** RSS of a process and its children (the workers), in bytes. */
function treeRss(pid: number): { server: number; workers: number; processes: number } {
  const children = childPids(pid);
  return { server: rssBytes(pid) ?? 0, workers: children.reduce((n, p) => n + (rssBytes(p) ?? 0), 0), processes: 1 + children.length };
}

const mb = (b: number): number => round(b / 2 ** 20, 1);

export async function memoryBenchmark(ctx: BenchContext): Promise<BenchResult> {
  const started = Date.now();
  const listeners = ctx.size === 'tiny' ? 20 : 1000;
  const workers = os.availableParallelism();
  const cluster = await startInstances(['a'], {
    env: {
      HEARTH_LOG_LEVEL: 'info', HEARTH_MEDIA_WORKERS: String(workers),
      // Every guest connects from one loopback address.
      HEARTH_CONNECTIONS_PER_ADDRESS: String(listeners + 10), HEARTH_MEDIA_TRANSPORTS_PER_ADDRESS: String(listeners + 10),
    },
  });
  const signals: SignalClient[] = [];
  try {
    const [a] = cluster.instances as [TestInstance];
    const pid = a.proc.child.pid ?? 0;
    await sleep(2000);
    const idle = treeRss(pid);
    const client = clusterClient(cluster);
    await signUp(client, a.url, 'host', 'owl');
    const room = await createRoom(client, a.url, 'Memory bench');
    const host = await signalTo(cluster, a.url, client.cookieHeader());
    signals.push(host);
    const joined = await host.ok('join', { roomId: room.id });
    const grant = (joined.grant as { token: string }).token;
    const send = await host.ok('createTransport', { grant, direction: 'send' });
    const produced = await host.ok('produce', { grant, transportId: send.id, rtpParameters: FAKE_RTP });
    await sleep(1000);
    const before = treeRss(pid);
    const t0 = Date.now();
    let failed: string | undefined;
    const joinedAll = await mapLimit(Array.from({ length: listeners }), 10, async () => {
      try {
        const s = await signalTo(cluster, a.url);
        signals.push(s);
        const j = await ask(s, 'join', { roomId: room.id });
        const g = (j.grant as { token: string }).token;
        const recv = await ask(s, 'createTransport', { grant: g, direction: 'recv' });
        await ask(s, 'consume', { grant: g, transportId: recv.id, producerId: produced.id, rtpCapabilities: j.routerRtpCapabilities });
        return s;
      } catch (e) {
        failed ??= e instanceof Error ? e.message : String(e);
        return undefined;
      }
    });
    const added = joinedAll.filter((s) => s !== undefined);
    // A few slow joins do not spoil the figure (it is per listener that joined); most must succeed.
    if (added.length < listeners * 0.9) throw new Error(`only ${added.length}/${listeners} listeners joined (first failure: ${failed ?? 'none'})`);
    const joinSeconds = (Date.now() - t0) / 1000;
    await sleep(2000);
    const after = treeRss(pid);
    const total = (r: { server: number; workers: number }): number => r.server + r.workers;
    const perListenerKb = round((total(after) - total(before)) / 1024 / added.length, 1);
    const idleTotal = mb(total(idle));
    ctx.say(`memory: idle ${idleTotal} MB (${idle.processes} processes), ${perListenerKb} KB per listener over ${added.length}`);
    const figures = {
      what: 'VmRSS of node dist/server/main.js and its mediasoup workers; listeners are guests over signaling with a consumer each, transports not connected',
      workers, idleMb: { server: mb(idle.server), workers: mb(idle.workers), total: idleTotal },
      room: { beforeMb: mb(total(before)), afterMb: mb(total(after)), listeners: added.length, tried: listeners, joinSeconds: round(joinSeconds, 1), firstFailure: failed },
      perListenerKb, serverPerListenerKb: round((after.server - before.server) / 1024 / added.length, 1), workersPerListenerKb: round((after.workers - before.workers) / 1024 / added.length, 1),
    };
    return {
      name: 'memory', ran: true, size: ctx.size, startedAt: new Date(started).toISOString(), durationMs: Date.now() - started, figures,
      rows: [
        {
          benchmark: '6 Memory idle', target: '≤ 200 MB (server + workers)',
          measured: `${idleTotal} MB (server ${figures.idleMb.server}, ${workers} worker${workers > 1 ? 's' : ''} ${figures.idleMb.workers})`, met: idleTotal <= 200,
        },
        {
          benchmark: '6 Memory per listener', target: '≤ 100 KB per added listener',
          measured: `${perListenerKb} KB over ${added.length} listeners (server ${figures.serverPerListenerKb}, workers ${figures.workersPerListenerKb})`,
          met: perListenerKb <= 100,
          note: 'guests over signaling, one consumer each; transports not connected (no DTLS/SRTP state)',
        },
      ],
    };
  } finally {
    for (const s of signals) s.close();
    await cluster.stop();
  }
}
