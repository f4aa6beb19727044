/**
 * Peer faults (issue 15, item 4): remote instances that hang, reset
 * connections, answer one byte a second, answer 500 forever, answer bytes
 * that are not HTTP, or answer documents far beyond the 1 MiB cap, for actor
 * and key fetches and for deliveries alike. While they misbehave, one real
 * instance (its own process, HTTPS, SQLite) must go on serving everyone
 * else: deliveries to a healthy host on time, signed activities from a
 * healthy host accepted within their normal latency, a live room's audio
 * reaching a listener in Chromium, resident memory within a bound, and the
 * bad hosts backed off (bounded attempts, one post at a time).
 * Figures and bounds: docs/reliability.md, "Peer faults".
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import type { Page } from 'playwright-core';
import { signRequest } from '../../federation/signatures/index.js';
import { audioDelta, audioStats, HAVE_CHROMIUM, waitForAudio } from '../helpers/browser.js';
import { FakeRemote, newKeyPair, type FakeActor } from '../helpers/fake-remote.js';
import { HOSTILE_MODES, HostilePeer } from '../helpers/hostile-peer.js';
import { clusterAgent, TestClient } from '../helpers/http-client.js';
import { startInstances, type InstanceCluster, type TestInstance } from '../helpers/instances.js';
import { waitFor } from '../helpers/server-process.js';
import { stressSize } from '../helpers/stress.js';
import { launchWebBrowser, signInContext, type WebBrowser } from '../helpers/web-browser.js';

const AS = 'https://www.w3.org/ns/activitystreams';
/** Hostile hosts per kind of misbehaviour. */
const PER_MODE = stressSize(1, 4);
/** How long they misbehave while the healthy traffic is measured. */
const WINDOW_MS = stressSize(20_000, 60_000);
/** Bounds (docs/reliability.md). */
const DELIVERY_BOUND_MS = 3_000;
const RSS_BOUND_MB = 100;
const LOSS_BOUND = 0.005;
/** The delivery runner's per-host cap (a host that answered before it turned hostile has it for its first posts). */
const MAX_PER_HOST = 4;
/**
 * Posts a bad host may get in the window: its first round (up to MAX_PER_HOST, while it still counted as
 * answering), then one at a time with the host's cool-down doubling from 1 s (ADR 0043).
 */
const maxPostsAtBadHost = (windowMs: number): number => MAX_PER_HOST + Math.ceil(Math.log2(windowMs / 1000)) + 1;

const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
};
const countBy = (values: number[]): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
};
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0) / 1024;
}

describe('peer faults: hostile remote instances do not hurt anyone else', () => {
  let cluster: InstanceCluster;
  let a: TestInstance;
  let client: TestClient;
  let healthy: FakeRemote;
  const peers: HostilePeer[] = [];
  let web: WebBrowser | undefined;
  const hosts: Record<string, string> = { 'a.hearth.test': '127.0.0.2', 'healthy.hearth.test': '127.0.0.9' };
  const hostileHosts: Array<{ mode: (typeof HOSTILE_MODES)[number]; host: string; ip: string }> = [];
  HOSTILE_MODES.forEach((mode, m) => {
    for (let i = 0; i < PER_MODE; i++) {
      const host = `${mode.toLowerCase()}-${i}.hearth.test`;
      const ip = `127.0.1.${m * 10 + i + 1}`;
      hostileHosts.push({ mode, host, ip });
      hosts[host] = ip;
    }
  });

  const inbox = (): string => `${a.url}/inbox`;
  const post = async (actor: FakeActor | { id: string; keyId: string; privateKeyPem: string }, activity: Record<string, unknown>): Promise<{ status: number; ms: number }> => {
    const body = JSON.stringify({ '@context': AS, ...activity });
    const headers: Record<string, string> = { 'content-type': 'application/activity+json' };
    Object.assign(headers, signRequest({ method: 'POST', url: inbox(), headers, body, keyId: actor.keyId, privateKeyPem: actor.privateKeyPem }));
    const started = Date.now();
    const res = await client.request('POST', inbox(), body, headers);
    return { status: res.status, ms: Date.now() - started };
  };

  before(async () => {
    const extraHosts = Object.fromEntries(Object.entries(hosts).filter(([h]) => h !== 'a.hearth.test'));
    cluster = await startInstances(['a'], { env: { HEARTH_LOG_LEVEL: 'info' }, extraHosts });
    a = cluster.instances[0] as TestInstance;
    client = new TestClient(clusterAgent(cluster.ca.caCertFile, hosts));
    healthy = await FakeRemote.start(cluster.ca, 'healthy.hearth.test', '127.0.0.9');
    for (const h of hostileHosts) peers.push(await HostilePeer.start(cluster.ca, h.host, h.ip));
  });
  after(async () => {
    await web?.close();
    for (const p of peers) await p.close();
    await healthy?.close();
    await cluster?.stop();
  });

  it(`with ${HOSTILE_MODES.length * PER_MODE} hostile hosts for ${WINDOW_MS / 1000} s: healthy deliveries on time, the inbox answers a healthy host, a live room keeps its audio, memory bounded, bad hosts backed off`, { timeout: WINDOW_MS + 240_000 }, async () => {
    assert.equal((await client.post(`${a.url}/api/v1/accounts`, { username: 'alice', password: 'alice has a long password' })).status, 201);
    const persona = await client.post<{ actorId: string }>(`${a.url}/api/v1/personas`, { handle: 'owl', displayName: 'Owl' });
    assert.equal(persona.status, 201, persona.text);
    const owl = persona.body.actorId;

    // One follower on every host, set up while every host still behaves.
    const keyPair = newKeyPair();
    const remotes = [healthy, ...peers.map((p) => p.remote)];
    for (const remote of remotes) {
      const fan = remote.addActor('fan', 'mastodon', { keyPair });
      const res = await post(fan, { id: `${fan.id}#follow`, type: 'Follow', actor: fan.id, object: owl });
      assert.equal(res.status, 202, `follow from ${remote.host}`);
    }
    const accepted = (r: FakeRemote): boolean => r.deliveries('/inbox').some((d) => d.activity['type'] === 'Accept');
    await waitFor(() => remotes.every(accepted), 30_000, 'every follow accepted');

    // A live room on A: its host speaks from Chromium, a guest listens from another context.
    let listener: Page | undefined;
    if (HAVE_CHROMIUM) {
      const room = await client.post<{ url: string }>(`${a.url}/api/v1/rooms`, { title: 'Weather', visibility: 'public' });
      assert.equal(room.status, 201, room.text);
      const roomId = room.body.url.split('/').pop() ?? '';
      web = await launchWebBrowser(a.url, { 'a.hearth.test': '127.0.0.2' });
      const speaker = await web.person(a.url);
      await signInContext(speaker.context, client.cookieHeader(), a.url);
      await speaker.page.goto(`/rooms/${roomId}`);
      await speaker.page.getByRole('button', { name: 'Join and listen' }).click();
      await speaker.page.getByRole('button', { name: 'Mute microphone' }).waitFor({ timeout: 15_000 });
      listener = (await web.person(a.url)).page;
      await listener.goto(`/rooms/${roomId}`);
      await listener.getByRole('button', { name: 'Join and listen' }).click();
      await waitForAudio(listener, 20_000);
    } else {
      console.log('peer faults: no /usr/bin/chromium, the live-room part is skipped');
    }

    // Normal latencies, every host healthy: signed Follows of new healthy actors (a key fetch each) and of a known one.
    const known = healthy.addActor('known', 'mastodon', { keyPair });
    assert.equal((await post(known, { id: `${known.id}#f0`, type: 'Follow', actor: known.id, object: owl })).status, 202);
    let n = 0;
    const healthyInboxRound = async (): Promise<{ status: number; ms: number }> => {
      n += 1;
      // A new actor (a key fetch) one time in ten: within the healthy host's own key-fetch budget (30 a minute).
      const actor = n % 10 === 0 ? healthy.addActor(`new${n}`, 'mastodon', { keyPair }) : known;
      return post(actor, { id: `${actor.id}#f${n}`, type: 'Follow', actor: actor.id, object: owl });
    };
    const baseline: number[] = [];
    for (let i = 0; i < 40; i++) {
      const r = await healthyInboxRound();
      assert.equal(r.status, 202);
      baseline.push(r.ms);
      await sleep(100);
    }

    // Turn every hostile host hostile; measure for WINDOW_MS.
    for (const [i, p] of peers.entries()) p.mode = hostileHosts[i]?.mode ?? 'hang';
    const rssBefore = rssMb(a.proc.child.pid ?? 0);
    const audioBefore = listener ? await audioStats(listener) : undefined;
    const windowEnds = Date.now() + WINDOW_MS;
    // The test process's own event-loop delay (the hostile servers run in it): it adds to every latency measured here.
    const lag = monitorEventLoopDelay({ resolution: 10 });
    lag.enable();
    const healthMs: number[] = [];
    const rss: number[] = [];
    const deliveryMs: number[] = [];
    const inboxMs: number[] = [];
    const inboxStatuses: number[] = [];
    const attackStatuses = new Map<number, number>();
    let updates = 0;

    const sampleRss = (async () => {
      while (Date.now() < windowEnds) {
        rss.push(rssMb(a.proc.child.pid ?? 0));
        await sleep(500);
      }
    })();
    // Fan-out: one Update per second to every follower's host; the healthy host's arrival time is measured.
    const fanOut = (async () => {
      while (Date.now() < windowEnds) {
        updates += 1;
        const name = `Owl ${updates}`;
        const res = await client.request('PATCH', `${a.url}/api/v1/personas/owl`, { displayName: name });
        assert.equal(res.status, 200, res.text);
        const queuedAt = Date.now();
        void waitFor(() => healthy.deliveries('/inbox').find((d) => d.activity['type'] === 'Update' && (d.activity['object'] as { name?: string })?.name === name), DELIVERY_BOUND_MS * 10, `${name} at the healthy host`)
          .then((d) => deliveryMs.push(d.at - queuedAt), () => deliveryMs.push(Number.POSITIVE_INFINITY));
        await sleep(1000);
      }
    })();
    // The healthy host keeps sending signed activities.
    const healthyInbox = (async () => {
      while (Date.now() < windowEnds) {
        const r = await healthyInboxRound();
        inboxStatuses.push(r.status);
        inboxMs.push(r.ms);
        const started = Date.now();
        await client.get(`${a.url}/healthz`);
        healthMs.push(Date.now() - started);
        await sleep(200);
      }
    })();
    // Every hostile host sends signed activities from actors whose keys A must fetch from it, four a second each.
    let ghosts = 0;
    const attack = peers.map(async (p) => {
      while (Date.now() < windowEnds) {
        ghosts += 1;
        const id = `${p.origin}/users/ghost${ghosts}`;
        const r = await post({ id, keyId: `${id}#main-key`, privateKeyPem: keyPair.privateKey }, { id: `${id}#follow`, type: 'Follow', actor: id, object: owl });
        attackStatuses.set(r.status, (attackStatuses.get(r.status) ?? 0) + 1);
        await sleep(250);
      }
    });
    await Promise.all([sampleRss, fanOut, healthyInbox, ...attack]);
    lag.disable();
    const audioAfter = listener ? await audioStats(listener) : undefined;
    await waitFor(() => deliveryMs.length === updates, DELIVERY_BOUND_MS * 10 + 1000, 'every update accounted for');

    const report = {
      hostileHosts: peers.length,
      updates,
      deliveryMs: { p50: percentile(deliveryMs, 50), p95: percentile(deliveryMs, 95), max: Math.max(...deliveryMs) },
      inboxBaselineMs: { p50: percentile(baseline, 50), p95: percentile(baseline, 95), max: Math.max(...baseline) },
      inboxStatuses: countBy(inboxStatuses),
      inboxDuringMs: { n: inboxMs.length, p50: percentile(inboxMs, 50), p95: percentile(inboxMs, 95), max: Math.max(...inboxMs) },
      healthzDuringMs: { p50: percentile(healthMs, 50), p95: percentile(healthMs, 95) },
      testLoopLagMs: { p99: Math.round(lag.percentile(99) / 1e6), max: Math.round(lag.max / 1e6) },
      attacks: Object.fromEntries(attackStatuses),
      rssMb: { before: Math.round(rssBefore), max: Math.round(Math.max(...rss)) },
      audio: audioBefore && audioAfter ? audioDelta(audioBefore, audioAfter) : 'no browser',
      perHost: peers.map((p, i) => ({ host: hostileHosts[i]?.host, posts: p.posts, gets: p.gets, maxOpenPosts: p.maxOpenPosts })),
    };
    console.log(`peer faults: ${JSON.stringify(report)}`);

    // Deliveries to the healthy host: every one, each within the bound.
    assert.ok(Math.max(...deliveryMs) <= DELIVERY_BOUND_MS, `healthy deliveries took up to ${Math.max(...deliveryMs)} ms`);
    // The inbox: every healthy activity accepted, within its normal latency (p95 at most twice the baseline's plus 500 ms:
    // the machine is shared, and the hostile servers and Chromium run beside the server).
    assert.deepEqual([...new Set(inboxStatuses)], [202], `healthy inbox answers: ${inboxStatuses.join(',')}`);
    const inboxBound = 2 * percentile(baseline, 95) + 500;
    assert.ok(percentile(inboxMs, 95) <= inboxBound, `healthy inbox p95 ${percentile(inboxMs, 95)} ms > ${inboxBound} ms`);
    // Hostile senders are refused with 4xx, never a 5xx.
    assert.ok([...attackStatuses.keys()].every((s) => s >= 400 && s < 500), `answers to the hostile hosts' activities: ${JSON.stringify(report.attacks)}`);
    // Memory.
    assert.ok(Math.max(...rss) - rssBefore <= RSS_BOUND_MB, `resident memory grew by ${Math.round(Math.max(...rss) - rssBefore)} MB`);
    // The live room.
    if (audioBefore && audioAfter) {
      const d = audioDelta(audioBefore, audioAfter);
      assert.ok(d.packets >= (WINDOW_MS / 20) * 0.8, `the listener got ${d.packets} packets in ${WINDOW_MS} ms`);
      assert.ok(d.loss <= LOSS_BOUND, `the listener lost ${(d.loss * 100).toFixed(2)} %`);
    }
    // Backoff: each bad host was tried, never with more than maxPerHost posts at once, and a bounded number of times
    // however many Updates were queued for it (no retry storm).
    for (const [i, p] of peers.entries()) {
      const h = hostileHosts[i]?.host;
      assert.ok(p.posts >= 1, `${h} was never tried`);
      assert.ok(p.maxOpenPosts <= MAX_PER_HOST, `${h} had ${p.maxOpenPosts} deliveries open at once`);
      // An oversized answer ends its job at once (failed, never retried): one post per Update. The others are retried.
      const bound = hostileHosts[i]?.mode === 'huge' ? updates : maxPostsAtBadHost(WINDOW_MS);
      assert.ok(p.posts <= bound, `${h} got ${p.posts} posts for ${updates} updates in ${WINDOW_MS} ms: a retry storm`);
    }
    const db = new Database(path.join(a.dataDir, 'hearth.sqlite'), { readonly: true });
    try {
      const rows = db.prepare("SELECT host, max(attempts) AS attempts, min(next_attempt_at) AS next FROM delivery_jobs WHERE state = 'pending' GROUP BY host").all() as Array<{ host: string; attempts: number; next: number }>;
      const retried = rows.filter((r) => hostileHosts.some((h) => r.host.startsWith(h.host)));
      assert.ok(retried.length > 0, 'bad hosts have jobs waiting for a retry');
      assert.ok(retried.every((r) => r.attempts <= 3), `attempts per job: ${JSON.stringify(retried)}`);
    } finally {
      db.close();
    }
    assert.equal((await client.get(`${a.url}/healthz`)).status, 200);
  });
});
