/**
 * Crash safety of a real instance (its own process, HTTPS, SQLite): `kill -9`
 * while it fans an activity out to many inboxes and while accounts are being
 * created. After a restart on the same data every acknowledged account signs
 * in, every queued delivery is made, only deliveries that were in flight at
 * the kill may arrive twice, and the database passes `PRAGMA integrity_check`.
 * `npm test`: 40 inboxes and 20 sign-ups; `npm run stress`: 200 and 100.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { signRequest } from '../../federation/signatures/index.js';
import { FakeRemote, newKeyPair, type FakeActor } from '../helpers/fake-remote.js';
import { clusterAgent, TestClient } from '../helpers/http-client.js';
import { startInstances, type InstanceCluster, type TestInstance } from '../helpers/instances.js';
import { startServerProcess, waitFor, type ServerProcess } from '../helpers/server-process.js';
import { stressSize } from '../helpers/stress.js';

const AS = 'https://www.w3.org/ns/activitystreams';
const INBOXES = stressSize(40, 200);
const SIGNUPS = stressSize(20, 100);
/** How long each test receiver holds a delivery before answering 202: keeps the fan-out in progress at the kill. */
const ANSWER_DELAY_MS = 40;

interface Received {
  inbox: string;
  id: string;
  type: string;
}

describe('crash safety (kill -9 of a real instance)', () => {
  let cluster: InstanceCluster;
  let a: TestInstance;
  let proc: ServerProcess;
  let remote: FakeRemote;
  let client: TestClient;
  const received: Received[] = [];

  const integrity = (): string => {
    // Opened read-write: like the next boot, it folds a crashed WAL in first.
    const db = new Database(path.join(a.dataDir, 'hearth.sqlite'));
    try {
      return db.pragma('integrity_check', { simple: true }) as string;
    } finally {
      db.close();
    }
  };
  const killHard = async (): Promise<void> => {
    proc.kill('SIGKILL');
    assert.equal((await proc.exited).signal, 'SIGKILL');
  };
  const restart = async (): Promise<void> => {
    proc = startServerProcess({ env: a.env });
    await proc.waitForLog((l) => l.msg === 'listening', 30_000);
  };

  before(async () => {
    cluster = await startInstances(['a'], {
      env: {
        HEARTH_LOG_LEVEL: 'info',
        HEARTH_DELIVERY_LEASE_SECONDS: '15',
        HEARTH_FEDERATION_KEY_FETCH_RATE: '100000',
        HEARTH_FEDERATION_INBOUND_RATE: '1000000',
        HEARTH_SIGNUP_RATE: '1000000',
      },
      extraHosts: { 'fans.hearth.test': '127.0.0.9' },
    });
    a = cluster.instances[0] as TestInstance;
    proc = a.proc;
    remote = await FakeRemote.start(cluster.ca, 'fans.hearth.test', '127.0.0.9');
    // Every personal inbox is a test receiver that records what it got, and answers after a delay.
    remote.route((req, res, body) => {
      const inbox = /^\/users\/([a-z0-9]+)\/inbox$/.exec(req.url ?? '')?.[1];
      if (req.method !== 'POST' || inbox === undefined) return false;
      const activity = JSON.parse(body) as { id: string; type: string };
      received.push({ inbox, id: activity.id, type: activity.type });
      setTimeout(() => res.writeHead(202).end(), ANSWER_DELAY_MS);
      return true;
    });
    client = new TestClient(clusterAgent(cluster.ca.caCertFile, { 'a.hearth.test': '127.0.0.2' }));
  });
  after(async () => {
    proc?.kill('SIGKILL');
    await remote?.close();
    await cluster?.stop();
  });

  it(`delivers an activity queued for ${INBOXES} inboxes after a kill -9 in the middle of the fan-out`, { timeout: 180_000 }, async () => {
    assert.equal((await client.post(`${a.url}/api/v1/accounts`, { username: 'crasher', password: 'crasher long password' })).status, 201);
    const persona = await client.post<{ actorId: string }>(`${a.url}/api/v1/personas`, { handle: 'owl', displayName: 'Owl' });
    assert.equal(persona.status, 201, persona.text);
    const owl = persona.body.actorId;

    // INBOXES followers, each with its own inbox (no shared inbox), one key pair for speed.
    const keyPair = newKeyPair();
    const fans: FakeActor[] = [];
    for (let i = 0; i < INBOXES; i++) fans.push(remote.addActor(`fan${i}`, 'mastodon', { keyPair, noSharedInbox: true }));
    const inbox = `${a.url}/inbox`;
    const queue = [...fans];
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let fan = queue.shift(); fan; fan = queue.shift()) {
          const body = JSON.stringify({ '@context': AS, id: `${fan.id}#follow`, type: 'Follow', actor: fan.id, object: owl });
          const headers: Record<string, string> = { 'content-type': 'application/activity+json' };
          Object.assign(headers, signRequest({ method: 'POST', url: inbox, headers, body, keyId: fan.keyId, privateKeyPem: fan.privateKeyPem }));
          const res = await client.request('POST', inbox, body, headers);
          assert.ok(res.status === 200 || res.status === 202, `follow answered ${res.status}: ${res.text}`);
        }
      }),
    );
    await waitFor(() => new Set(received.filter((r) => r.type === 'Accept').map((r) => r.inbox)).size === INBOXES, 60_000, 'every follow accepted');

    const patched = await client.request('PATCH', `${a.url}/api/v1/personas/owl`, { displayName: 'Owl after the crash' });
    assert.equal(patched.status, 200, patched.text);
    const updates = (): Received[] => received.filter((r) => r.type === 'Update');
    await waitFor(() => updates().length >= INBOXES / 4, 30_000, 'a quarter of the fan-out');
    await killHard();
    const beforeKill = new Set(updates().map((u) => u.inbox));
    assert.ok(beforeKill.size < INBOXES, `the fan-out had finished (${beforeKill.size}) before the kill: nothing was proven`);
    assert.equal(new Set(updates().map((u) => u.id)).size, 1, 'one activity');
    assert.equal(integrity(), 'ok');

    await restart();
    await waitFor(() => new Set(updates().map((u) => u.inbox)).size === INBOXES, 90_000, 'the Update in every inbox');
    // The sender's own record: every job delivered, nothing left to resend.
    await waitFor(() => {
      const db = new Database(path.join(a.dataDir, 'hearth.sqlite'), { readonly: true });
      try {
        return db.prepare("SELECT count(*) FROM delivery_jobs WHERE activity_id = ? AND state <> 'delivered'").pluck().get(updates()[0]?.id) === 0;
      } finally {
        db.close();
      }
    }, 30_000, 'every job settled as delivered');
    const perInbox = new Map<string, number>();
    for (const u of updates()) perInbox.set(u.inbox, (perInbox.get(u.inbox) ?? 0) + 1);
    const twice = [...perInbox].filter(([, n]) => n > 1);
    for (const [name, n] of twice) {
      assert.equal(n, 2, `${name} got the activity ${n} times`);
      assert.ok(beforeKill.has(name), `${name} got it twice but had not got it before the kill: a delivered job was resent`);
    }
    // At most the posts in flight at the kill (maxPerHost: 4 to this one host) are sent again.
    assert.ok(twice.length <= 4, `${twice.length} inboxes got it twice`);
    process.stdout.write(`# fan-out: ${INBOXES} inboxes, ${beforeKill.size} reached before the kill, ${twice.length} twice\n`);
  });

  it(`keeps every acknowledged account of ${SIGNUPS} sign-ups after a kill -9 during sign-ups`, { timeout: 120_000 }, async () => {
    const acknowledged: string[] = [];
    let attempts = 0;
    let stop = false;
    const loops = Array.from({ length: 4 }, async (_, k) => {
      for (let i = 0; !stop; i++) {
        const username = `crash${k}x${i}`;
        attempts++;
        try {
          const res = await client.post(`${a.url}/api/v1/accounts`, { username, password: `${username} long password` });
          if (res.status === 201) acknowledged.push(username);
        } catch {
          return; // the connection died with the server
        }
      }
    });
    await waitFor(() => acknowledged.length >= SIGNUPS, 60_000, 'enough acknowledged sign-ups');
    await killHard();
    stop = true;
    await Promise.all(loops);
    assert.ok(attempts > acknowledged.length, 'no sign-up was in flight at the kill');
    assert.equal(integrity(), 'ok');

    await restart();
    const missing: string[] = [];
    for (const username of acknowledged) {
      const res = await new TestClient(clusterAgent(cluster.ca.caCertFile, { 'a.hearth.test': '127.0.0.2' })).post(`${a.url}/api/v1/sessions`, { username, password: `${username} long password` });
      if (res.status !== 201) missing.push(`${username}: ${res.status}`);
    }
    assert.deepEqual(missing, [], 'acknowledged accounts that cannot sign in');
    proc.kill('SIGTERM');
    assert.equal((await proc.exited).code, 0);
    assert.equal(integrity(), 'ok');
    process.stdout.write(`# sign-ups: ${acknowledged.length} acknowledged of ${attempts} attempted before the kill, all sign in after it\n`);
  });
});
