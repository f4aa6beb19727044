/**
 * Standard discovery on a real server process: WebFinger (found, unknown,
 * malformed, deleted), host-meta, NodeInfo 2.1, and actor documents by
 * content negotiation.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Agent } from 'undici';
import { TestClient } from '../helpers/http-client.js';
import { freePort, startServerProcess, tempDir, type ServerProcess } from '../helpers/server-process.js';

describe('discovery', () => {
  let proc: ServerProcess;
  let base: string;
  let host: string;
  const client = new TestClient(new Agent());

  before(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    host = `localhost:${port}`;
    proc = startServerProcess({
      env: { HEARTH_PORT: String(port), HEARTH_HOST: '127.0.0.1', HEARTH_PUBLIC_URL: `http://${host}`, HEARTH_DATA_DIR: tempDir(), HEARTH_MEDIA_WORKERS: '1', HEARTH_REGISTRATION: 'open' },
    });
    await proc.waitForLog((l) => l.msg === 'listening', 30_000);
    assert.equal((await client.post(`${base}/api/v1/accounts`, { username: 'dora', password: 'dora has a long password' })).status, 201);
    assert.equal((await client.post(`${base}/api/v1/personas`, { handle: 'kestrel', displayName: 'Kestrel' })).status, 201);
    assert.equal((await client.post(`${base}/api/v1/personas`, { handle: 'gone', displayName: 'Gone' })).status, 201);
    const del = await client.request('DELETE', `${base}/api/v1/personas/gone`, { password: 'dora has a long password' });
    assert.equal(del.status, 200, del.text);
  });
  after(async () => {
    proc?.kill('SIGTERM');
    await proc?.exited;
  });

  it('answers WebFinger for a persona with a JRD linking its actor', async () => {
    const res = await client.get<{ subject: string; links: Array<{ rel: string; type?: string; href: string }> }>(
      `${base}/.well-known/webfinger?resource=${encodeURIComponent(`acct:kestrel@${host}`)}`,
    );
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /application\/jrd\+json/);
    assert.equal(res.body.subject, `acct:kestrel@${host}`);
    const self = res.body.links.find((l) => l.rel === 'self');
    assert.equal(self?.type, 'application/activity+json');
    assert.equal(self?.href, `http://${host}/u/kestrel`);
  });

  it('answers 404 for unknown, 410 for deleted, 400 for malformed WebFinger resources', async () => {
    const wf = (resource: string): Promise<{ status: number }> => client.get(`${base}/.well-known/webfinger?resource=${encodeURIComponent(resource)}`);
    assert.equal((await wf(`acct:nobody@${host}`)).status, 404);
    assert.equal((await wf('acct:kestrel@elsewhere.example')).status, 404);
    assert.equal((await wf(`acct:gone@${host}`)).status, 410);
    assert.equal((await wf('not a resource')).status, 400);
    assert.equal((await client.get(`${base}/.well-known/webfinger`)).status, 400);
  });

  it('serves the actor as activity+json and as ld+json with the ActivityStreams profile, and 410 once deleted', async () => {
    for (const accept of ['application/activity+json', 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"']) {
      const res = await client.get<{ id: string; type: string; '@context': unknown; publicKey: { owner: string }; endpoints: { sharedInbox: string } }>(
        `${base}/u/kestrel`,
        { accept },
      );
      assert.equal(res.status, 200, accept);
      assert.equal(res.body.type, 'Person');
      assert.equal(res.body.id, `http://${host}/u/kestrel`);
      assert.ok(JSON.stringify(res.body['@context']).includes('https://www.w3.org/ns/activitystreams'));
      assert.equal(res.body.publicKey.owner, res.body.id);
      assert.equal(res.body.endpoints.sharedInbox, `http://${host}/inbox`);
    }
    const gone = await client.get<{ type: string; formerType: string }>(`${base}/u/gone`, { accept: 'application/activity+json' });
    assert.equal(gone.status, 410);
    assert.equal(gone.body.type, 'Tombstone');
    assert.equal(gone.body.formerType, 'Person');
    assert.equal((await client.get(`${base}/u/nobody`, { accept: 'application/activity+json' })).status, 404);
  });

  it('answers host-meta and NodeInfo 2.1', async () => {
    const hostMeta = await client.get(`${base}/.well-known/host-meta`);
    assert.equal(hostMeta.status, 200);
    assert.ok(hostMeta.text.includes(`http://${host}/.well-known/webfinger?resource={uri}`));
    const links = await client.get<{ links: Array<{ rel: string; href: string }> }>(`${base}/.well-known/nodeinfo`);
    const href = links.body.links.find((l) => l.rel === 'http://nodeinfo.diaspora.software/ns/schema/2.1')?.href;
    assert.equal(href, `http://${host}/nodeinfo/2.1`);
    const info = await client.get<{ version: string; software: { name: string }; protocols: string[]; openRegistrations: boolean; usage: { users: { total: number } } }>(
      `${base}/nodeinfo/2.1`,
    );
    assert.equal(info.body.version, '2.1');
    assert.equal(info.body.software.name, 'hearth');
    assert.deepEqual(info.body.protocols, ['activitypub']);
    assert.equal(info.body.openRegistrations, true);
    // One persona left (the deleted one is not counted), shown rounded up to a multiple of 10.
    assert.equal(info.body.usage.users.total, 10);
  });

  it('reports in NodeInfo the registration mode an admin sets at run time, not only the configured one', async () => {
    const open = async (): Promise<boolean> => (await client.get<{ openRegistrations: boolean }>(`${base}/nodeinfo/2.1`)).body.openRegistrations;
    assert.equal(await open(), true, 'configured open');
    // dora holds the first account, which is the admin.
    assert.equal((await client.request('PATCH', `${base}/api/v1/admin/instance`, { registration: 'invite' })).status, 200);
    assert.equal(await open(), false, 'invite-only is not open');
    assert.equal((await client.request('PATCH', `${base}/api/v1/admin/instance`, { registration: 'open' })).status, 200);
    assert.equal(await open(), true);
  });
});
