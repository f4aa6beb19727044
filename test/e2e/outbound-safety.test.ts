/**
 * What a real instance fetches when a user names a remote actor: private
 * addresses refused before any packet (allow-list off), redirect chains
 * bounded, oversized documents and silent peers cut off — each answered with
 * a clear error, the server unharmed.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { FakeRemote } from '../helpers/fake-remote.js';
import { clusterAgent, TestClient } from '../helpers/http-client.js';
import { startInstances, type InstanceCluster, type TestInstance } from '../helpers/instances.js';

async function signUp(client: TestClient, base: string): Promise<void> {
  assert.equal((await client.post(`${base}/api/v1/accounts`, { username: 'carol', password: 'carol has a long password' })).status, 201);
  assert.equal((await client.post(`${base}/api/v1/personas`, { handle: 'wren', displayName: 'Wren' })).status, 201);
}

describe('outbound fetches from a real instance', () => {
  describe('with the private-address allow-list off (the default)', () => {
    let cluster: InstanceCluster;
    let c: TestInstance;
    let client: TestClient;
    let hits = 0;
    let trap: http.Server;

    before(async () => {
      trap = http.createServer((_req, res) => {
        hits += 1;
        res.writeHead(200, { 'content-type': 'application/activity+json' }).end('{}');
      });
      await new Promise<void>((resolve) => trap.listen(0, '127.0.0.1', () => resolve()));
      cluster = await startInstances(['c'], { env: { HEARTH_FEDERATION_ALLOW_PRIVATE: '' }, extraHosts: { 'sneaky.hearth.test': '127.0.0.1' } });
      c = cluster.instances[0] as TestInstance;
      client = new TestClient(clusterAgent(cluster.ca.caCertFile, { 'c.hearth.test': '127.0.0.2' }));
      await signUp(client, c.url);
    });
    after(async () => {
      await cluster?.stop();
      trap?.close();
    });

    it('refuses actor URLs on loopback, link-local metadata and names resolving to loopback, before any packet', async () => {
      const port = (trap.address() as AddressInfo).port;
      for (const target of [
        `http://127.0.0.1:${port}/users/x`,
        `http://[::ffff:127.0.0.1]:${port}/users/x`,
        'http://169.254.169.254/latest/meta-data',
        `http://sneaky.hearth.test:${port}/users/x`,
        `sneaky@sneaky.hearth.test:${port}`,
      ]) {
        const res = await client.post(`${c.url}/api/v1/personas/wren/follow`, { target });
        assert.ok([404, 502].includes(res.status), `${target}: ${res.status} ${res.text}`);
        assert.equal(typeof res.body.message, 'string');
      }
      assert.equal(hits, 0, 'the loopback server was never reached');
      const health = await client.get(`${c.url}/healthz`);
      assert.equal(health.status, 200, 'the server keeps running');
    });
  });

  describe('with loopback allowed (test set-up) against a misbehaving peer', () => {
    let cluster: InstanceCluster;
    let d: TestInstance;
    let remote: FakeRemote;
    let client: TestClient;

    before(async () => {
      cluster = await startInstances(['d'], { extraHosts: { 'remote.hearth.test': '127.0.0.9' } });
      d = cluster.instances[0] as TestInstance;
      remote = await FakeRemote.start(cluster.ca, 'remote.hearth.test', '127.0.0.9');
      const target = remote.addActor('target');
      remote.route((req, res) => {
        const m = /^\/redirect\/(\d+)$/.exec(req.url ?? '');
        if (!m) return false;
        const left = Number(m[1]);
        res.writeHead(302, { location: left > 1 ? `/redirect/${left - 1}` : '/users/target' }).end();
        return true;
      });
      remote.route((req, res) => {
        if (req.url !== '/users/huge') return false;
        const doc = { ...remote.actorDocument(target), id: `${remote.origin}/users/huge`, padding: 'x'.repeat(5 * 1024 * 1024) };
        res.writeHead(200, { 'content-type': 'application/activity+json' }).end(JSON.stringify(doc));
        return true;
      });
      remote.route((req) => req.url === '/users/silent'); // never answers
      client = new TestClient(clusterAgent(cluster.ca.caCertFile, { 'd.hearth.test': '127.0.0.2' }));
      await signUp(client, d.url);
    });
    after(async () => {
      await remote?.close();
      await cluster?.stop();
    });

    it('follows a chain of 3 redirects and refuses a chain of 4', async () => {
      // The id of the document must match the final URL: a redirected actor resolves to its real id.
      const ok = await client.post(`${d.url}/api/v1/personas/wren/follow`, { target: `${remote.origin}/redirect/3` });
      assert.equal(ok.status, 200, ok.text);
      const tooMany = await client.post(`${d.url}/api/v1/personas/wren/follow`, { target: `${remote.origin}/redirect/4` });
      assert.equal(tooMany.status, 502, tooMany.text);
    });

    it('refuses a 5 MiB actor document', async () => {
      const res = await client.post(`${d.url}/api/v1/personas/wren/follow`, { target: `${remote.origin}/users/huge` });
      assert.equal(res.status, 502, res.text);
    });

    it('gives up on a peer that never answers after the 10 s limit', async () => {
      const started = Date.now();
      const res = await client.post(`${d.url}/api/v1/personas/wren/follow`, { target: `${remote.origin}/users/silent` });
      const took = Date.now() - started;
      assert.equal(res.status, 502, res.text);
      assert.ok(took >= 9_000 && took < 20_000, `took ${took} ms`);
      assert.equal((await client.get(`${d.url}/healthz`)).status, 200);
    });
  });
});
