/**
 * Under sustained inbound load, the Accepts the inbox queues are still sent
 * within a few seconds (ADR 0049): the inbox holds new work back while its
 * deliveries starve. Without that, every Accept waited for the end of the
 * load (about 6 s after an 8 s load here). The load is the benchmark's:
 * signed Follows, 16 at a time, to the real server process on SQLite.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { prepareFollows, runInboxLoad } from '../bench/inbox-load.js';
import { startRemoteHost, type RemoteHost } from '../bench/remote-hosts.js';
import { Client } from '../helpers/accounts-harness.js';
import { startLoopbackServer, tempDir, waitFor, type LoopbackServer } from '../helpers/server-process.js';

/** The bound the inbox keeps here (2 s: HEARTH_DELIVERY_STARVATION_SECONDS; default 10 s) plus slack for a shared, loaded machine. */
const MAX_ACCEPT_DELAY_MS = 4_500;
const LOAD_SECONDS = 8;

describe('Accepts under sustained inbound load', { timeout: 120_000 }, () => {
  let server: LoopbackServer;
  let remote: RemoteHost;
  let dataDir: string;
  let inbox: string;
  let actorId: string;

  before(async () => {
    dataDir = tempDir('hearth-accept-lag-');
    remote = await startRemoteHost({ ip: '127.0.0.1', actors: 10, recordObjects: true });
    server = await startLoopbackServer({
      dataDir,
      env: { HEARTH_FEDERATION_ALLOW_PRIVATE: '127.0.0.0/8', HEARTH_FEDERATION_INBOUND_RATE: '1000000', HEARTH_FEDERATION_KEY_FETCH_RATE: '100000', HEARTH_DELIVERY_STARVATION_SECONDS: '2' },
    });
    const client = new Client(server.base);
    assert.equal((await client.post('/api/v1/accounts', { username: 'lag', password: 'a long test password' })).status, 201);
    const persona = await client.post('/api/v1/personas', { handle: 'owl', displayName: 'Owl', summary: '' });
    assert.equal(persona.status, 201);
    inbox = `${server.base}/u/owl/inbox`;
    actorId = String(persona.body.actorId);
  });

  after(async () => {
    await server?.stop();
    await remote?.close();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it(`sends every Accept within ${MAX_ACCEPT_DELAY_MS} ms of its Follow's answer during ${LOAD_SECONDS} s of load`, async () => {
    const warm = prepareFollows({ inbox, target: actorId, actors: remote.actors, count: remote.actors.length, tag: 'warm' });
    assert.equal((await runInboxLoad(inbox, warm, 4, 30)).accepted, warm.length);
    // More Follows than the server can take in LOAD_SECONDS: the load lasts until the deadline.
    const load = prepareFollows({ inbox, target: actorId, actors: remote.actors, count: 5_000, tag: 'load' });
    const ids = new Set(load.map((p) => p.id));
    const accepts = (): RemoteHost['posts'] => remote.posts.filter((p) => p.object !== undefined && ids.has(p.object));
    const result = await runInboxLoad(inbox, load, 16, LOAD_SECONDS);
    assert.ok(result.seconds >= LOAD_SECONDS - 0.5, `the load lasted ${result.seconds} s`);
    assert.ok(result.accepted > 500, `${result.accepted} Follows accepted`);
    assert.equal(result.accepted, result.sent, JSON.stringify(result.refused));
    await waitFor(() => accepts().length >= result.accepted, 60_000, 'every Accept');
    const delays = accepts().map((p) => p.at - (result.answeredAt.get(p.object ?? '') ?? Number.NaN));
    assert.equal(delays.filter((d) => Number.isNaN(d)).length, 0);
    const worst = Math.max(...delays);
    assert.ok(worst <= MAX_ACCEPT_DELAY_MS, `an Accept was sent ${Math.round(worst)} ms after its Follow was answered`);
  });
});
