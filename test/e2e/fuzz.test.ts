/**
 * Fuzzing a real instance (its own process, HTTPS, SQLite) with fast-check
 * generators: generated and mutated messages against the JSON API, the
 * signaling WebSocket and the inbox (validly signed by a real remote actor,
 * so they reach the parser and the handlers). Seeded: a failure names its
 * seed and sample, and `HEARTH_FUZZ_SEED=<seed>` replays the run. Properties: no 5xx, no
 * `internal` signaling answer, no error line in the server's log, the
 * process stays up, and its memory stays within a bound.
 * `npm test`: 300 messages each; `npm run stress`: 10,000 each.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import WebSocket from 'ws';
import { signRequest } from '../../federation/signatures/index.js';
import { FakeRemote, type FakeActor } from '../helpers/fake-remote.js';
import { clusterAgent, TestClient } from '../helpers/http-client.js';
import { startInstances, type InstanceCluster, type TestInstance } from '../helpers/instances.js';
import { stressSize } from '../helpers/stress.js';
import { apiRequest, inboxBody, signalFrame } from '../helpers/fuzz-arbitraries.js';

const RUNS = stressSize(300, 10_000);
const SEED = Number(process.env['HEARTH_FUZZ_SEED'] ?? 15_2026);
/** Growth of the server's resident memory a fuzz run may cause. */
const RSS_BOUND_MB = 200;
/** Frames per signaling connection: under the 20 invalid messages that close one. */
const FRAMES_PER_SOCKET = 15;

/**
 * Runs `check` on every sample, `CONCURRENCY` at a time (requests that make
 * the server fetch from unreachable hosts wait for its timeout; one at a
 * time, 10,000 would take hours). A failure names the sample's index: with
 * the same seed, `fc.sample` gives the same samples again.
 */
const CONCURRENCY = 8;
async function runPool<T>(samples: readonly T[], check: (sample: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const failures: string[] = [];
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < samples.length && failures.length === 0) {
        const index = next++;
        try {
          await check(samples[index] as T, index);
        } catch (e) {
          failures.push(`sample ${index} of seed ${SEED}: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
    }),
  );
  assert.deepEqual(failures, []);
}

function rssMb(pid: number): number {
  const line = fs.readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:')) ?? '';
  return Math.round(Number(/(\d+)/.exec(line)?.[1] ?? 0) / 1024);
}

describe('fuzzing the API, signaling and inbox of a real instance', () => {
  let cluster: InstanceCluster;
  let a: TestInstance;
  let remote: FakeRemote;
  let fuzzer: FakeActor;
  let client: TestClient;
  let roomId: string;
  let ownHandle: string;
  let rssAtStart: number;
  const figures: string[] = [];

  before(async () => {
    cluster = await startInstances(['a'], {
      env: { HEARTH_LOG_LEVEL: 'info', HEARTH_FEDERATION_INBOUND_RATE: '1000000', HEARTH_FEDERATION_KEY_FETCH_RATE: '100000', HEARTH_SIGNUP_RATE: '1000000' },
      extraHosts: { 'fuzz.hearth.test': '127.0.0.9' },
    });
    a = cluster.instances[0] as TestInstance;
    remote = await FakeRemote.start(cluster.ca, 'fuzz.hearth.test', '127.0.0.9');
    fuzzer = remote.addActor('fuzzer');
    client = new TestClient(clusterAgent(cluster.ca.caCertFile, { 'a.hearth.test': '127.0.0.2' }));
    assert.equal((await client.post(`${a.url}/api/v1/accounts`, { username: 'fuzzhost', password: 'fuzzhost long password' })).status, 201);
    ownHandle = 'moth';
    assert.equal((await client.post(`${a.url}/api/v1/personas`, { handle: ownHandle, displayName: 'Moth' })).status, 201);
    const room = await client.post<{ id: string }>(`${a.url}/api/v1/rooms`, { title: 'Fuzzed', visibility: 'public' });
    assert.equal(room.status, 201);
    roomId = room.body.id;
    rssAtStart = rssMb(a.proc.child.pid ?? 0);
  });
  after(async () => {
    await remote?.close();
    await cluster?.stop();
    if (figures.length > 0) process.stdout.write(`# ${figures.join('; ')}\n`);
  });

  const assertHealthy = async (): Promise<void> => {
    assert.equal(a.proc.child.exitCode, null, 'the server exited');
    assert.equal((await client.get(`${a.url}/healthz`)).status, 200);
    const errors = a.proc.lines.filter((l) => (l.level ?? 0) >= 50);
    assert.deepEqual(errors.map((l) => `${String(l['module'])}: ${String(l.msg)} ${JSON.stringify(l['err'] ?? '')}`), [], 'error lines in the server log');
    const rss = rssMb(a.proc.child.pid ?? 0);
    assert.ok(rss - rssAtStart < RSS_BOUND_MB, `resident memory grew from ${rssAtStart} to ${rss} MB`);
  };

  it(`JSON API: ${RUNS} generated and mutated requests, never a 5xx`, { timeout: 900_000 }, async () => {
    let count = 0;
    const started = Date.now();
    await runPool(fc.sample(apiRequest(() => ({ roomId, handle: ownHandle })), { numRuns: RUNS, seed: SEED }), async (req) => {
      count++;
      const res = await client.request(req.method, `${a.url}${req.path}`, req.body, req.headers);
      assert.ok(res.status < 500, `${req.method} ${req.path} ${JSON.stringify(req.body)?.slice(0, 300)} answered ${res.status}: ${res.text.slice(0, 300)}`);
    });
    await assertHealthy();
    figures.push(`api: ${count} requests in ${Math.round((Date.now() - started) / 1000)} s, rss ${rssMb(a.proc.child.pid ?? 0)} MB (from ${rssAtStart})`);
  });

  it(`signaling: ${RUNS} generated and mutated frames, never an internal error`, { timeout: 900_000 }, async () => {
    // A fresh room whenever the fuzzing (the host's own endRoom, or the API fuzzing before) ended the last one.
    let rooms = 0;
    const freshRoom = async (): Promise<void> => {
      const fresh = await client.post<{ id: string }>(`${a.url}/api/v1/rooms`, { title: `Fuzzed live ${++rooms}`, visibility: 'public' });
      assert.equal(fresh.status, 201, fresh.text);
      roomId = fresh.body.id;
    };
    await freshRoom();
    const url = new URL(a.url);
    const ca = fs.readFileSync(cluster.ca.caCertFile);
    const open = (): Promise<{ ws: WebSocket; answers: Array<Record<string, unknown>>; closed: Promise<number> }> => {
      const ws = new WebSocket(`wss://127.0.0.2:${url.port}/api/v1/signal`, { ca, headers: { host: url.host, cookie: client.cookieHeader() }, ...{ servername: url.hostname } });
      const answers: Array<Record<string, unknown>> = [];
      ws.on('message', (data: Buffer) => answers.push(JSON.parse(data.toString()) as Record<string, unknown>));
      const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
      return new Promise((resolve, reject) => {
        ws.once('open', () => resolve({ ws, answers, closed }));
        ws.once('error', reject);
      });
    };
    let count = 0;
    const started = Date.now();
    const frames = fc.sample(signalFrame(() => roomId), { numRuns: RUNS, seed: SEED });
    for (let i = 0; i < frames.length; i += FRAMES_PER_SOCKET) {
      const batch = frames.slice(i, i + FRAMES_PER_SOCKET);
      const socket = await open();
      // Three connections in four join the live room first, so that the room's handlers see the frames.
      if ((i / FRAMES_PER_SOCKET) % 4 !== 3) {
        socket.ws.send(JSON.stringify({ id: 'join', type: 'join', roomId }));
        await new Promise<void>((resolve) => {
          const check = setInterval(() => {
            if (socket.answers.some((m) => m['id'] === 'join') || socket.ws.readyState !== WebSocket.OPEN) {
              clearInterval(check);
              resolve();
            }
          }, 2);
        });
      }
      for (const frame of batch) {
        if (socket.ws.readyState !== WebSocket.OPEN) break;
        socket.ws.send(frame);
        count++;
      }
      // A ping last: its answer means every frame before it was handled.
      if (socket.ws.readyState === WebSocket.OPEN) socket.ws.send(JSON.stringify({ id: 'last', type: 'ping' }));
      const settled = await Promise.race([
        socket.closed.then((code) => ({ code })),
        new Promise<{ code: undefined }>((resolve) => {
          const check = setInterval(() => {
            if (socket.answers.some((m) => m['id'] === 'last')) {
              clearInterval(check);
              resolve({ code: undefined });
            }
          }, 5);
        }),
      ]);
      const joined = socket.answers.find((m) => m['id'] === 'join') as { error?: { code?: string } } | undefined;
      const ended = ['room_ended', 'room_not_found'];
      if (ended.includes(joined?.error?.code ?? '') || socket.answers.some((m) => m['event'] === 'left' || ended.includes((m['error'] as { code?: string } | undefined)?.code ?? ''))) await freshRoom();
      const internal = socket.answers.filter((m) => (m['error'] as { code?: string } | undefined)?.code === 'internal');
      assert.deepEqual(internal, [], `internal errors for frames ${i}..${i + batch.length}: ${batch.map((f) => f.toString().slice(0, 200)).join(' | ')}`);
      if (settled.code !== undefined) assert.ok(settled.code >= 4000 && settled.code < 5000, `closed with ${settled.code}, not a protocol close code`);
      socket.ws.close();
      await socket.closed;
    }
    await assertHealthy();
    figures.push(`signaling: ${count} frames in ${Math.round((Date.now() - started) / 1000)} s, ${rooms} rooms`);
  });

  it(`inbox: ${RUNS} generated and mutated activities, validly signed, never a 5xx`, { timeout: 900_000 }, async () => {
    const inbox = `${a.url}/inbox`;
    let count = 0;
    const owl = `${a.url}/u/${ownHandle}`;
    const started = Date.now();
    await runPool(fc.sample(inboxBody({ actor: fuzzer.id, target: owl, remote: remote.origin }), { numRuns: RUNS, seed: SEED }), async (body) => {
      count++;
      const headers: Record<string, string> = { 'content-type': 'application/activity+json' };
      Object.assign(headers, signRequest({ method: 'POST', url: inbox, headers, body, keyId: fuzzer.keyId, privateKeyPem: fuzzer.privateKeyPem }));
      const res = await client.request('POST', inbox, body, headers);
      assert.ok(res.status < 500, `inbox answered ${res.status} to ${body.slice(0, 300)}: ${res.text.slice(0, 300)}`);
    });
    await assertHealthy();
    figures.push(`inbox: ${count} activities in ${Math.round((Date.now() - started) / 1000)} s, rss ${rssMb(a.proc.child.pid ?? 0)} MB`);
  });
});
