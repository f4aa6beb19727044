/**
 * Headless Debian Chromium driven by playwright-core (never a downloaded
 * browser), one fresh profile per participant, fake microphone.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
  '--allow-loopback-in-peer-connection', '--autoplay-policy=no-user-gesture-required',
];

export interface BrowserPeer {
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

/**
 * A continuous 440 Hz tone (48 kHz, 16-bit mono, 5 s, looped by Chromium) as
 * the fake microphone: Chromium's default fake device beeps briefly once a
 * second, too quiet on average for an audio-level observer.
 */
export function toneFile(dir: string): string {
  const rate = 48_000;
  const samples = rate * 5;
  const buf = Buffer.alloc(44 + samples * 2);
  buf.write('RIFF', 0);
  buf.writeUInt32LE(36 + samples * 2, 4);
  buf.write('WAVEfmt ', 8);
  buf.writeUInt32LE(16, 16);
  buf.writeUInt16LE(1, 20);
  buf.writeUInt16LE(1, 22);
  buf.writeUInt32LE(rate, 24);
  buf.writeUInt32LE(rate * 2, 28);
  buf.writeUInt16LE(2, 32);
  buf.writeUInt16LE(16, 34);
  buf.write('data', 36);
  buf.writeUInt32LE(samples * 2, 40);
  for (let i = 0; i < samples; i++) buf.writeInt16LE(Math.round(Math.sin((2 * Math.PI * 440 * i) / rate) * 0.3 * 32767), 44 + i * 2);
  const file = path.join(dir, 'tone.wav');
  fs.writeFileSync(file, buf);
  return file;
}

/** Whether the browser tests can run here. */
export const HAVE_CHROMIUM = fs.existsSync(CHROMIUM);

/** A browser with its own fresh profile, the session cookie set, on the room page. */
export async function openRoomPage(baseUrl: string, roomId: string, cookie?: string): Promise<BrowserPeer> {
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-chromium-'));
  const tone = toneFile(fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-tone-')));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM, headless: true, args: [...CHROMIUM_FLAGS, `--use-file-for-fake-audio-capture=${tone}`], timeout: 30_000,
  });
  if (cookie) {
    const cookies = cookie.split(';').map((kv) => kv.trim().split('=')).map(([name = '', value = '']) => ({ name, value, url: baseUrl }));
    await context.addCookies(cookies);
  }
  const page = context.pages()[0] ?? (await context.newPage());
  await page.goto(`${baseUrl}/rooms/${roomId}`, { timeout: 15_000 });
  return {
    context, page,
    async close() {
      await context.close().catch(() => undefined);
      fs.rmSync(userDataDir, { recursive: true, force: true });
      fs.rmSync(path.dirname(tone), { recursive: true, force: true });
    },
  };
}

export interface AudioStats {
  bytesReceived: number;
  totalAudioEnergy: number;
  consumers: number;
  /** RTP packets received and lost (by sequence number), over every consumer. */
  packetsReceived: number;
  packetsLost: number;
}

export function audioStats(page: Page): Promise<AudioStats> {
  return page.evaluate(() => (globalThis as unknown as { hearth: { audioStats(): Promise<AudioStats> } }).hearth.audioStats());
}

/** Packets received and lost between two readings, and the loss ratio (lost / expected). */
export function audioDelta(before: AudioStats, after: AudioStats): { packets: number; lost: number; loss: number } {
  const packets = after.packetsReceived - before.packetsReceived;
  const lost = Math.max(0, after.packetsLost - before.packetsLost);
  return { packets, lost, loss: packets + lost > 0 ? lost / (packets + lost) : 1 };
}

/**
 * Polls until the page receives audio with energy beyond `after` (bytes and energy both grow). The stats are
 * sums over the page's current consumers: `after` must be a reading of the same consumers. A page whose
 * consumers were made again starts from zero and passes only once it got as much again; use
 * {@link waitForHearing} there.
 */
export async function waitForAudio(page: Page, timeoutMs: number, after: Pick<AudioStats, 'bytesReceived' | 'totalAudioEnergy'> = { bytesReceived: 0, totalAudioEnergy: 0 }): Promise<AudioStats> {
  const deadline = Date.now() + timeoutMs;
  let last: AudioStats | undefined;
  while (Date.now() < deadline) {
    last = await audioStats(page);
    if (last.bytesReceived > after.bytesReceived && last.totalAudioEnergy > after.totalAudioEnergy) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no audio within ${timeoutMs} ms (last: ${JSON.stringify(last)})`);
}

/** Whether the page hears now: received bytes and energy both grow over `windowMs`. */
export async function hearing(page: Page, windowMs = 300): Promise<boolean> {
  const first = await audioStats(page);
  await new Promise((r) => setTimeout(r, windowMs));
  const then = await audioStats(page);
  return then.bytesReceived > first.bytesReceived && then.totalAudioEnergy > first.totalAudioEnergy;
}

/**
 * Polls until the page hears now (see {@link hearing}), whichever consumers it has: for a page whose consumers
 * are made again (a reconnect). Resolves with the time it heard (ms since the epoch, the end of the window).
 */
export async function waitForHearing(page: Page, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await hearing(page)) return Date.now();
  }
  throw new Error(`not hearing within ${timeoutMs} ms (last: ${JSON.stringify(await audioStats(page))})`);
}
