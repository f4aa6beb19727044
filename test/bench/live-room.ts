/**
 * What the browser and cascade benchmarks share: instances as processes
 * over HTTPS (test/helpers/instances.ts, with its clients), a persona signed up over HTTP, and
 * a speaker in headless Chromium whose fake microphone plays a tone.
 */
import type { Page } from 'playwright-core';
import type { TestClient } from '../helpers/http-client.js';
import type { InstanceCluster } from '../helpers/instances.js';
import { waitFor } from '../helpers/server-process.js';
import { SignalClient } from '../helpers/signal-client.js';
import type { WebBrowser } from '../helpers/web-browser.js';

/** An account with one persona; answers the persona's actor id. */
export async function signUp(client: TestClient, base: string, username: string, handle: string): Promise<string> {
  const account = await client.post(`${base}/api/v1/accounts`, { username, password: `${username} has a long password` });
  if (account.status !== 201) throw new Error(`sign-up on ${base}: ${account.status} ${account.text}`);
  const persona = await client.post<{ actorId: string }>(`${base}/api/v1/personas`, { handle, displayName: handle, summary: '' });
  if (persona.status !== 201) throw new Error(`persona on ${base}: ${persona.status} ${persona.text}`);
  return persona.body.actorId;
}

/** A public room on `base` hosted by the client's persona; answers its URL (the id other instances know it by) and local id. */
export async function createRoom(client: TestClient, base: string, title: string): Promise<{ url: string; id: string }> {
  const res = await client.post<{ url: string }>(`${base}/api/v1/rooms`, { title, visibility: 'public' });
  if (res.status !== 201) throw new Error(`room on ${base}: ${res.status} ${res.text}`);
  return { url: res.body.url, id: res.body.url.split('/').pop() ?? '' };
}

/**
 * The room's host speaks from its own page in Chromium: joins (the host
 * goes on stage and the page produces the microphone) and resolves once
 * the page has sent audio.
 */
export async function speakInChromium(web: WebBrowser, client: TestClient, base: string, roomId: string): Promise<Page> {
  const { context, page } = await web.person(base);
  await context.addCookies(client.cookieHeader().split('; ').map((kv) => {
    const i = kv.indexOf('=');
    return { name: kv.slice(0, i), value: kv.slice(i + 1), url: base };
  }));
  await page.goto(`/rooms/${roomId}`);
  await page.getByRole('button', { name: 'Join and listen' }).click({ timeout: 15_000 });
  await page.getByRole('button', { name: 'Mute microphone' }).waitFor({ timeout: 15_000 });
  await waitFor(async () => {
    const sent = await page.evaluate(() => (globalThis as unknown as { hearth: { sendStats(): Promise<{ packetsSent: number }> } }).hearth.sendStats());
    return sent.packetsSent > 10;
  }, 15_000, 'the speaker\'s page to send audio');
  return page;
}

/** A signaling connection to an instance of the cluster (TLS with the run's CA); without a cookie, a guest's. */
export function signalTo(cluster: InstanceCluster, base: string, cookie?: string): Promise<SignalClient> {
  const host = new URL(base).hostname;
  const ip = cluster.hosts[host];
  if (!ip) throw new Error(`${host} is not an instance of the cluster`);
  return SignalClient.connect(base, cookie, {}, { ca: cluster.caPem, ip });
}

/** A signaling request that must succeed, with a wait long enough for a loaded server (the client's default is 5 s). */
export async function ask(s: SignalClient, type: string, fields: Record<string, unknown> = {}, timeoutMs = 30_000): Promise<Record<string, unknown>> {
  const answer = await s.request(type, fields, timeoutMs);
  if (!answer.ok) throw new Error(`${type} refused: ${answer.error.code} (${answer.error.message})`);
  return answer.data;
}
