/**
 * Joining a room of another instance from the hallway, in real Chromium: A
 * hosts (its host is a signaling client), B's persona opens B's hallway,
 * follows the room's "Join" link to B's page for the remote room and joins;
 * A shows it with its full handle, B's page shows A's participants with
 * theirs, and the browser never makes a request to A.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { HAVE_CHROMIUM } from '../helpers/browser.js';
import { clusterAgent, TestClient } from '../helpers/http-client.js';
import { startInstances, type InstanceCluster, type TestInstance } from '../helpers/instances.js';
import { waitFor } from '../helpers/server-process.js';
import { SignalClient } from '../helpers/signal-client.js';
import { checkPage, launchWebBrowser, type WebBrowser } from '../helpers/web-browser.js';

const skip = HAVE_CHROMIUM ? {} : { skip: 'no /usr/bin/chromium (npm test installs it when run as root)' };
type Person = { id: string; handle: string | null };

async function signUp(client: TestClient, base: string, username: string, handle: string): Promise<string> {
  const account = await client.post(`${base}/api/v1/accounts`, { username, password: `${username} has a long password` });
  assert.equal(account.status, 201, account.text);
  const persona = await client.post<{ actorId: string }>(`${base}/api/v1/personas`, { handle, displayName: handle.toUpperCase(), summary: '' });
  assert.equal(persona.status, 201, persona.text);
  return persona.body.actorId;
}

describe('joining a room of another instance from the hallway (Chromium, two instances)', skip, () => {
  let cluster: InstanceCluster;
  let a: TestInstance;
  let b: TestInstance;
  let web: WebBrowser;
  let host: SignalClient | undefined;
  const hosts = { 'a.hearth.test': '127.0.0.2', 'b.hearth.test': '127.0.0.3' };

  before(async () => {
    cluster = await startInstances(['a', 'b']);
    [a, b] = cluster.instances as [TestInstance, TestInstance];
    web = await launchWebBrowser(b.url, hosts);
  });
  after(async () => {
    host?.close();
    await web?.close();
    await cluster?.stop();
  });

  it('B\'s persona joins A\'s room from B\'s hallway; handles are full; the browser talks only to B', { timeout: 90_000 }, async () => {
    const onA = new TestClient(clusterAgent(cluster.ca.caCertFile, hosts));
    const onB = new TestClient(clusterAgent(cluster.ca.caCertFile, hosts));
    const owl = await signUp(onA, a.url, 'alice', 'owl');
    const foxActor = await signUp(onB, b.url, 'bob', 'fox');
    assert.equal((await onB.post(`${b.url}/api/v1/personas/fox/follow`, { target: owl })).status, 200);
    await waitFor(async () => (await onB.get<{ following: string[] }>(`${b.url}/api/v1/personas/fox/export`)).body.following?.includes(owl), 10_000, 'fox to follow owl');
    const room = await onA.post<{ url: string }>(`${a.url}/api/v1/rooms`, { title: 'Across the river', visibility: 'public' });
    assert.equal(room.status, 201, room.text);
    host = await SignalClient.connect(a.url, onA.cookieHeader(), {}, { ca: fs.readFileSync(cluster.ca.caCertFile, 'utf8'), ip: hosts['a.hearth.test'] });
    await host.ok('join', { roomId: room.body.url.split('/').pop() });

    const { context, page } = await web.person();
    await context.addCookies(onB.cookieHeader().split('; ').map((c) => {
      const i = c.indexOf('=');
      return { name: c.slice(0, i), value: c.slice(i + 1), url: b.url };
    }));
    await page.goto('/hallway');
    const joinLink = page.getByRole('link', { name: 'Join “Across the river” here' });
    await joinLink.waitFor({ timeout: 15_000 });
    await joinLink.click();
    await page.waitForURL(/\/remote-room\?url=/);
    await page.getByRole('heading', { level: 1, name: 'Across the river' }).waitFor({ timeout: 10_000 });
    await page.getByRole('button', { name: 'Join and listen' }).click();

    // A shows fox with its full handle; B's page shows A's host with its full handle, and fox.
    const seen = await host.room((r) => (r.audience as Person[]).some((p) => p.id === foxActor), 10_000);
    assert.equal((seen.audience as Person[]).find((p) => p.id === foxActor)?.handle, `fox@${b.host}`);
    await page.getByText(`@owl@${a.host}`, { exact: true }).waitFor({ timeout: 10_000 });
    await page.getByText(`@fox@${b.host}`, { exact: true }).waitFor({ timeout: 10_000 });
    await page.getByRole('button', { name: 'Raise hand' }).click();
    await host.room((r) => (r.hands as string[]).includes(foxActor), 5_000);
    await checkPage(page, 'remote-room');
    assert.deepEqual(web.problems, [], 'the browser made no request to A (nor any other origin)');
  });
});
