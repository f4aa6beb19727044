/**
 * Benchmark 2, browser part: click to first audio in headless Chromium on
 * loopback. One instance as a process over HTTPS; its room's host speaks
 * from Chromium (fake microphone). Each round a fresh guest context opens
 * the room page and clicks "Join and listen"; the time runs from the click
 * event (its `timeStamp`, taken by a capturing listener in the page) to the
 * first `getStats()` poll (every 10 ms, in the page) whose inbound-rtp
 * `bytesReceived` is above 0: the first audio packet decrypted by the
 * browser, not yet heard energy.
 */
import type { Page } from 'playwright-core';
import { HAVE_CHROMIUM } from '../helpers/browser.js';
import { clusterClient, startInstances, type TestInstance } from '../helpers/instances.js';
import { launchWebBrowser, type WebBrowser } from '../helpers/web-browser.js';
import { createRoom, signUp, speakInChromium } from './live-room.js';
import { percentile, round, type BenchContext, type BenchResult } from './types.js';

const TARGET = 'p50 ≤ 400 ms (headless Chromium, loopback)';

/** What the click listener uses of the page's document (it runs in the page; the server build has no DOM types). */
interface PageDocument {
  addEventListener(type: 'click', listener: (e: { timeStamp: number }) => void, options: { capture: boolean; once: boolean }): void;
}

/** Clicks "Join and listen" and answers the milliseconds from the click to the first inbound audio bytes. */
async function clickToAudio(page: Page, timeoutMs: number): Promise<number> {
  const button = page.getByRole('button', { name: 'Join and listen' });
  await button.waitFor({ timeout: 15_000 });
  await page.evaluate(() => {
    const w = globalThis as unknown as { benchClickAt?: number };
    const { document } = globalThis as unknown as { document: PageDocument };
    document.addEventListener('click', (e) => { w.benchClickAt ??= e.timeStamp; }, { capture: true, once: true });
  });
  await button.click();
  return page.evaluate(async (limit) => {
    const w = globalThis as unknown as { benchClickAt?: number; hearth?: { audioStats(): Promise<{ bytesReceived: number }> } };
    const deadline = performance.now() + limit;
    while (performance.now() < deadline) {
      const stats = w.hearth ? await w.hearth.audioStats() : { bytesReceived: 0 };
      if (stats.bytesReceived > 0) return performance.now() - (w.benchClickAt ?? Number.NaN);
      await new Promise((r) => setTimeout(r, 10));
    }
    return Number.NaN;
  }, timeoutMs);
}

export async function browserJoinBenchmark(ctx: BenchContext): Promise<BenchResult> {
  const started = Date.now();
  const base = { name: 'browser', size: ctx.size, startedAt: new Date(started).toISOString() };
  if (!HAVE_CHROMIUM) {
    const reason = 'no /usr/bin/chromium';
    return { ...base, ran: false, reason, durationMs: 0, figures: {}, rows: [{ benchmark: '2 Browser click to first audio', target: TARGET, measured: 'cannot run here', met: null, note: reason }] };
  }
  const rounds = ctx.size === 'tiny' ? 2 : 20;
  const cluster = await startInstances(['a'], { env: { HEARTH_LOG_LEVEL: 'info' } });
  let web: WebBrowser | undefined;
  try {
    const [a] = cluster.instances as [TestInstance];
    const client = clusterClient(cluster);
    await signUp(client, a.url, 'host', 'owl');
    const room = await createRoom(client, a.url, 'Browser bench');
    web = await launchWebBrowser(a.url, cluster.hosts);
    await speakInChromium(web, client, a.url, room.id);
    const times: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const { context, page } = await web.person(a.url);
      try {
        await page.goto(`/rooms/${room.id}`);
        times.push(await clickToAudio(page, 10_000));
      } finally {
        await context.close();
      }
    }
    const ok = times.filter((t) => Number.isFinite(t));
    const p50 = round(percentile(ok, 50), 1);
    const p99 = round(percentile(ok, 99), 1);
    ctx.say(`browser: click to first audio p50 ${p50} ms, p99 ${p99} ms (${ok.length}/${rounds})`);
    return {
      ...base, ran: true, durationMs: Date.now() - started,
      figures: {
        what: 'guest page in headless Chromium: click on "Join and listen" to the first getStats() with inbound-rtp bytesReceived > 0 (polled every 10 ms in the page)',
        rounds, received: ok.length, p50Ms: p50, p99Ms: p99, timesMs: times.map((t) => round(t, 1)),
      },
      rows: [{
        benchmark: '2 Browser click to first audio', target: TARGET,
        measured: `p50 ${p50} ms, p99 ${p99} ms (${ok.length}/${rounds} heard)`,
        met: ok.length === rounds && p50 <= 400,
        note: 'first inbound RTP bytes in getStats, polled every 10 ms',
      }],
    };
  } finally {
    await web?.close();
    await cluster.stop();
  }
}
