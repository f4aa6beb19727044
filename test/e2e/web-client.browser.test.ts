/**
 * The web client, driven as a person would in real Chromium against the real
 * server process (one server and one browser for the file): sign up, save
 * recovery codes, create a persona, start a room and speak; a guest hears it;
 * a second account raises a hand, is invited from the host's page, speaks and
 * is heard; mute stops the microphone on the device; the host mutes,
 * promotes, demotes, moves to the audience, removes and bans from the
 * page; a persona is deleted from the page and its receipt shown. Every
 * page: axe-core, screenshots at 360 and 1280 px, no foreign request, no
 * CSP violation. (The admin page and the People page's follow requests and
 * reports: admin.browser.test.ts.)
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { audioStats, HAVE_CHROMIUM, waitForAudio } from '../helpers/browser.js';
import { freePort, startServerProcess, tempDir, type ServerProcess } from '../helpers/server-process.js';
import { checkPage, createPersonaOnPage, launchWebBrowser, PAGE_PASSWORD as PASSWORD, signUpOnPage, type WebBrowser } from '../helpers/web-browser.js';

const skip = HAVE_CHROMIUM ? {} : { skip: 'no /usr/bin/chromium (npm test installs it when run as root)' };

interface SendStats { bytesSent: number; packetsSent: number; producing: boolean; trackEnabled: boolean | null }
const sendStats = (page: Page): Promise<SendStats> =>
  page.evaluate(() => (globalThis as unknown as { hearth: { sendStats(): Promise<SendStats> } }).hearth.sendStats());
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until the microphone's RTP bytes grow (the page is sending audio). */
async function waitForSending(page: Page, timeoutMs: number): Promise<SendStats> {
  const start = await sendStats(page);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    await sleep(100);
    const now = await sendStats(page);
    if (now.bytesSent > start.bytesSent + 200) return now;
  }
  throw new Error(`no audio sent within ${timeoutMs} ms`);
}

describe('web client in the browser (Chromium, real server, real WebRTC)', skip, () => {
  let server: ServerProcess;
  let base: string;
  let web: WebBrowser;
  before(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    server = startServerProcess({
      env: {
        HEARTH_PORT: String(port), HEARTH_HOST: '127.0.0.1', HEARTH_PUBLIC_URL: base, HEARTH_DATA_DIR: tempDir(), HEARTH_MEDIA_WORKERS: '1',
        HEARTH_INSTANCE_NAME: 'Fireside Test', HEARTH_INSTANCE_DESCRIPTION: 'A test instance for the browser client.',
      },
    });
    await server.waitForLog((l) => l.msg === 'listening', 30_000);
    web = await launchWebBrowser(base);
  });
  after(async () => {
    await web?.close();
    server?.kill('SIGKILL');
  });

  /** Signs up through this instance's landing page; answers the recovery codes shown. */
  const signUp = (page: Page, username: string, shots = false): Promise<string[]> => signUpOnPage(page, username, { heading: 'Fireside Test', shots });
  const createPersona = createPersonaOnPage;

  it('from sign-up to a room with a guest, a second speaker and moderation, all through the pages', { timeout: 240_000 }, async () => {
    // The host signs up, notes the recovery codes, creates a persona.
    const host = await web.person();
    const codes = await signUp(host.page, 'hostuser', true);
    assert.equal(codes.length, 10, 'ten recovery codes shown');
    assert.equal(new Set(codes).size, 10);
    await createPersona(host.page, 'hosta', 'Ada Host', true);
    await checkPage(host.page, 'personas');

    // The hallway; start a room now.
    await host.page.getByRole('link', { name: 'Hallway' }).click();
    await host.page.getByRole('heading', { name: 'Hallway', level: 1 }).waitFor();
    await host.page.getByText('No rooms right now. Start one!').waitFor();
    await checkPage(host.page, 'hallway-empty');
    await host.page.getByLabel('Title').fill('Evening talk');
    await host.page.getByLabel('Description (optional)').fill('About fires and stories.');
    await host.page.getByRole('button', { name: 'Start room now' }).click();
    await host.page.getByRole('heading', { name: 'Evening talk', level: 1 }).waitFor();
    await host.page.getByText('About fires and stories.').waitFor();
    const roomUrl = host.page.url();
    await host.page.getByRole('button', { name: 'Join and listen' }).click();
    await host.page.getByRole('status').filter({ hasText: 'You are on stage' }).waitFor();
    await host.page.getByRole('button', { name: 'Mute microphone' }).waitFor();
    await waitForSending(host.page, 10_000);

    // A guest opens the link, listens (no "Raise hand"), and hears the host.
    const guest = await web.person();
    await guest.page.goto(roomUrl);
    await guest.page.getByRole('heading', { name: 'Evening talk', level: 1 }).waitFor();
    await guest.page.getByRole('button', { name: 'Join and listen' }).click();
    await guest.page.getByRole('status').filter({ hasText: 'Joined. Listening.' }).waitFor();
    const heard = await waitForAudio(guest.page, 15_000);
    assert.ok(heard.bytesReceived > 0 && heard.totalAudioEnergy > 0, 'the guest receives audio with energy');
    assert.equal(await guest.page.getByRole('button', { name: 'Raise hand' }).count(), 0, 'guests are not offered a hand');
    await guest.page.getByText('You are listening as a guest.').waitFor();
    await host.page.getByText('Speaking', { exact: true }).first().waitFor({ timeout: 10_000 });
    await checkPage(guest.page, 'room-guest');

    // A second account raises a hand; the host invites it from the hand queue; it accepts and speaks; the host hears it.
    const second = await web.person();
    await signUp(second.page, 'seconduser');
    await createPersona(second.page, 'bobby', 'Bob Second');
    // It follows the host by handle on the People page, and finds the room in its hallway.
    await second.page.goto('/people');
    await second.page.getByLabel('Their handle').fill(`@hosta@${new URL(base).host}`);
    await second.page.getByRole('button', { name: 'Follow', exact: true }).click();
    await second.page.getByText('Follow request sent to @hosta@').waitFor();
    const followedRooms = second.page.getByRole('region', { name: 'From people you follow' });
    for (let i = 0; ; i++) {
      await second.page.goto('/hallway');
      await followedRooms.getByText(/Live|No live or scheduled rooms/).first().waitFor();
      if (await followedRooms.getByRole('link', { name: 'Evening talk' }).count() > 0) break;
      assert.ok(i < 20, 'the followed host\'s room shows in the hallway');
      await sleep(250);
    }
    await followedRooms.getByRole('link', { name: 'Evening talk' }).click();
    await second.page.getByRole('heading', { name: 'Evening talk', level: 1 }).waitFor();
    await second.page.getByRole('button', { name: 'Join and listen' }).click();
    await second.page.getByRole('status').filter({ hasText: 'Joined. Listening.' }).waitFor();
    await second.page.getByRole('button', { name: 'Raise hand' }).click();
    await second.page.getByRole('button', { name: 'Lower hand' }).waitFor();
    const before = await audioStats(host.page);
    await host.page.getByRole('region', { name: /Raised hands/ }).getByRole('button', { name: 'Invite Bob Second to speak' }).click();
    await second.page.getByRole('button', { name: 'Accept invitation to speak' }).click();
    await second.page.getByRole('button', { name: 'Mute microphone' }).waitFor();
    await waitForSending(second.page, 10_000);
    await waitForAudio(host.page, 15_000, before);
    await checkPage(host.page, 'room-host');
    await checkPage(second.page, 'room-speaker');

    // Muting stops the microphone on the device: no RTP leaves, the track is disabled.
    await second.page.getByRole('button', { name: 'Mute microphone' }).click();
    await second.page.getByRole('button', { name: 'Unmute microphone' }).waitFor();
    await sleep(300);
    const m1 = await sendStats(second.page);
    await sleep(1_500);
    const m2 = await sendStats(second.page);
    assert.equal(m2.trackEnabled, false, 'the microphone track is disabled while muted');
    assert.equal(m2.bytesSent - m1.bytesSent, 0, `muted: ${m2.bytesSent - m1.bytesSent} RTP bytes left the browser in 1.5 s`);
    await second.page.getByRole('button', { name: 'Unmute microphone' }).click();
    await waitForSending(second.page, 5_000);

    // The host mutes the speaker from the page: the speaker's device stops sending too.
    await host.page.getByRole('button', { name: 'Mute Bob Second' }).click();
    await second.page.getByRole('button', { name: 'Unmute microphone' }).waitFor();
    await sleep(300);
    const h1 = await sendStats(second.page);
    await sleep(1_000);
    const h2 = await sendStats(second.page);
    assert.equal(h2.bytesSent - h1.bytesSent, 0, 'a moderator mute stops the device from sending');
    await second.page.getByRole('button', { name: 'Unmute microphone' }).click();
    await second.page.getByRole('alert').filter({ hasText: 'A moderator muted you' }).waitFor();
    await host.page.getByRole('button', { name: 'Allow Bob Second to unmute' }).click();
    await host.page.getByRole('button', { name: 'Allow Bob Second to unmute' }).waitFor({ state: 'detached' });

    // The host makes the speaker a moderator and a speaker again, then moves it to the audience, all from the page;
    // the speaker's own page shows each change (its badge, the hand queue moderators get, the audience controls).
    const bobOnStage = second.page.getByRole('region', { name: /^On stage/ }).getByRole('listitem').filter({ hasText: 'Bob Second (you)' });
    await host.page.getByRole('button', { name: 'Make Bob Second a moderator' }).click();
    await bobOnStage.getByText('Moderator', { exact: true }).waitFor();
    await second.page.getByRole('region', { name: /^Raised hands/ }).waitFor();
    await host.page.getByRole('button', { name: 'Make Bob Second a speaker' }).click();
    await bobOnStage.getByText('Speaker', { exact: true }).waitFor();
    await host.page.getByRole('button', { name: 'Move Bob Second to the audience' }).click();
    await second.page.getByRole('status').filter({ hasText: 'You are back in the audience.' }).waitFor();
    await second.page.getByRole('button', { name: 'Raise hand' }).waitFor();
    await host.page.getByRole('region', { name: 'Audience' }).getByRole('button', { name: 'Invite Bob Second to speak' }).waitFor();

    // The host removes the speaker: its page says so and offers a way back; it rejoins.
    await host.page.getByRole('button', { name: 'Remove Bob Second' }).click();
    await second.page.getByRole('status').filter({ hasText: 'A moderator removed you' }).waitFor();
    await second.page.getByRole('link', { name: 'Back to the hallway' }).waitFor();
    await second.page.getByRole('button', { name: 'Join again' }).click();
    await second.page.getByRole('status').filter({ hasText: 'Joined. Listening.' }).waitFor();

    // The host bans it: it is out, and joining again is refused with a readable message.
    await host.page.getByRole('button', { name: 'Ban Bob Second' }).click();
    await host.page.getByRole('button', { name: 'Yes, ban Bob Second' }).click();
    await second.page.getByRole('status').filter({ hasText: 'You were banned from this room.' }).waitFor();
    await second.page.getByRole('button', { name: 'Join again' }).click();
    await second.page.getByRole('alert').filter({ hasText: 'You are banned from this room.' }).waitFor();

    // Leaving really leaves, and offers a way back.
    await guest.page.getByRole('button', { name: 'Leave' }).click();
    await guest.page.getByRole('status').filter({ hasText: 'You left the room.' }).waitFor();
    await guest.page.getByRole('button', { name: 'Join again' }).waitFor();
    assert.equal((await audioStats(guest.page)).consumers, 0, 'no consumer after leaving');

    // The hallway lists the live room.
    await host.page.goto('/hallway');
    await host.page.getByRole('link', { name: 'Evening talk' }).first().waitFor();
    await checkPage(host.page, 'hallway');
    await host.page.goto('/people');
    await host.page.getByRole('heading', { name: 'People', level: 1 }).waitFor();
    await host.page.getByRole('heading', { name: 'Your followers (1)' }).waitFor();
    await host.page.getByText(`@bobby@${new URL(base).host}`).waitFor();
    await checkPage(host.page, 'people');

    // The second account deletes its persona from the page and sees the receipt.
    await second.page.goto('/personas');
    await second.page.getByRole('button', { name: 'Delete @bobby' }).click();
    await second.page.getByLabel('Your password, to confirm').fill(PASSWORD);
    await second.page.getByRole('button', { name: 'Delete @bobby: yes, delete' }).click();
    await second.page.getByRole('heading', { name: 'Deletion receipt' }).waitFor();
    await second.page.getByText('one could keep a copy despite the request').waitFor();
    await second.page.getByText('No other server knew about it').waitFor();
    assert.match(second.page.url(), /\/deletions\/[A-Za-z0-9_-]{24}$/);
    await checkPage(second.page, 'deletion-receipt');

    // Sign-in and recovery pages; the host recovers with a noted code.
    await guest.page.goto('/signin');
    await guest.page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await guest.page.getByLabel('Username').fill('hostuser');
    await guest.page.getByLabel('Password').fill('not the password');
    await guest.page.getByRole('button', { name: 'Sign in' }).click();
    await guest.page.getByRole('alert').filter({ hasText: 'Wrong username or password.' }).waitFor();
    await checkPage(guest.page, 'signin');
    await guest.page.goto('/recover');
    await guest.page.getByLabel('Username').fill('hostuser');
    await guest.page.getByLabel('Recovery code').fill(codes[0] ?? '');
    await guest.page.getByLabel('New password').fill('a brand new password');
    await checkPage(guest.page, 'recover');
    await host.page.goto(roomUrl);
    await host.page.getByRole('button', { name: 'Join and listen' }).click();
    await host.page.getByRole('status').filter({ hasText: 'You are on stage' }).waitFor();
    await guest.page.getByRole('button', { name: 'Set the new password' }).click();
    await guest.page.getByText('Your password is changed').waitFor();
    // Recovery ended every session of the host: its room page says so (close code 4401) instead of reconnecting.
    await host.page.getByRole('status').filter({ hasText: 'Your session ended' }).waitFor();
    await host.page.getByRole('link', { name: 'Back to the start page' }).waitFor();

    assert.deepEqual(web.problems, [], 'no foreign request, no CSP violation, no page error');
  });

  it('edits a persona, schedules and starts a room, follows a persona switch in the room, shows errors, deletes the account', { timeout: 120_000 }, async () => {
    const { page } = await web.person();
    await signUp(page, 'thirduser');
    await createPersona(page, 'carol', 'Carol');
    await page.getByRole('button', { name: 'Edit @carol' }).click();
    await page.getByLabel('Display name').first().fill('Carol Edited');
    await page.getByLabel('Approve each new follower myself').check();
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('heading', { name: /Carol Edited/ }).waitFor();
    await page.getByText('You approve each follower.').waitFor();
    await page.getByLabel('Handle').fill('carol2');
    await page.getByLabel('Display name').fill('Carol Two');
    await page.getByRole('button', { name: 'Create persona' }).click();
    await page.getByText('Created @carol2.').waitFor();

    // Schedule a room an hour ahead, then start it early from the hallway.
    await page.goto('/hallway');
    await page.getByLabel('Title').fill('Later talk');
    await page.getByLabel('Schedule it for later').check();
    const at = new Date(Date.now() + 3_600_000);
    const local = new Date(at.getTime() - at.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
    await page.getByLabel('Starts at').fill(local);
    await page.getByRole('button', { name: 'Schedule room' }).click();
    await page.getByText('“Later talk” is scheduled for').waitFor();
    await page.getByRole('button', { name: 'Start “Later talk” now' }).click();
    await page.getByRole('region', { name: 'On this instance' }).getByText(/^Live/).first().waitFor();

    // In the room as host, then acting as the other persona from the header: the page rejoins as that persona (4409).
    await page.getByRole('link', { name: 'Later talk' }).first().click();
    await page.getByRole('button', { name: 'Join and listen' }).click();
    await page.getByRole('status').filter({ hasText: 'You are on stage' }).waitFor();
    await page.getByLabel('Acting as').selectOption('carol2');
    await page.getByRole('status').filter({ hasText: 'Joined. Listening.' }).waitFor({ timeout: 10_000 });
    await page.getByRole('button', { name: 'Raise hand' }).waitFor();

    // A failed action says what went wrong in words.
    await page.goto('/people');
    await page.getByLabel('Handle to block').fill(`@nobody@${new URL(base).host}`);
    await page.getByRole('button', { name: 'Block', exact: true }).click();
    const blockError = page.getByRole('region', { name: 'Block' }).getByRole('alert');
    await blockError.waitFor();
    assert.match(await blockError.innerText(), /^(Nothing was found there\.|That server could not be reached)/);

    // Deleting the account: one receipt per persona, and the plain notice.
    await page.goto('/personas');
    await page.getByRole('button', { name: 'Delete my account' }).click();
    await page.getByLabel('Your password, to confirm').fill(PASSWORD);
    await page.getByRole('button', { name: 'Delete my account: yes, delete' }).click();
    await page.getByRole('heading', { name: 'Deletion receipt' }).waitFor();
    await page.getByRole('region', { name: /^Receipt / }).nth(1).waitFor();
    await page.getByRole('link', { name: 'Back to the start page' }).waitFor();
    assert.deepEqual(web.problems, [], 'no foreign request, no CSP violation, no page error');
  });

  it('works with the keyboard alone: sign up, save the codes, create a persona, start a room, speak, mute, leave', { timeout: 120_000 }, async () => {
    const { page } = await web.person();
    /** Presses Tab until `target` has the focus (it must be reachable in at most 40 steps), as a keyboard user moves. */
    const tabTo = async (target: Locator): Promise<void> => {
      await target.waitFor();
      for (let i = 0; i < 40; i++) {
        if (await target.evaluate((el) => el === (globalThis as unknown as { document: { activeElement: unknown } }).document.activeElement)) return;
        await page.keyboard.press('Tab');
      }
      throw new Error(`not reachable with Tab: ${target.toString()}`);
    };
    const typeInto = async (target: Locator, text: string): Promise<void> => {
      await tabTo(target);
      await page.keyboard.type(text);
    };
    await page.goto('/');
    await typeInto(page.getByLabel('Username'), 'keyboarder');
    await typeInto(page.getByLabel('Password'), PASSWORD);
    await tabTo(page.getByRole('button', { name: 'Create account' }));
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Save your recovery codes' }).waitFor();
    await tabTo(page.getByLabel('I have saved my recovery codes'));
    await page.keyboard.press('Space');
    await tabTo(page.getByRole('link', { name: 'Continue: create your first persona' }));
    await page.keyboard.press('Enter');
    await typeInto(page.getByLabel('Handle'), 'keys');
    await typeInto(page.getByLabel('Display name'), 'Kay Board');
    await tabTo(page.getByRole('button', { name: 'Create persona' }));
    await page.keyboard.press('Enter');
    await page.getByText('Created @keys.').waitFor();
    await tabTo(page.getByRole('link', { name: 'Hallway' }));
    await page.keyboard.press('Enter');
    await typeInto(page.getByLabel('Title'), 'Typed talk');
    await tabTo(page.getByRole('button', { name: 'Start room now' }));
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Typed talk', level: 1 }).waitFor();
    await tabTo(page.getByRole('button', { name: 'Join and listen' }));
    await page.keyboard.press('Enter');
    await page.getByRole('status').filter({ hasText: 'You are on stage' }).waitFor();
    await waitForSending(page, 10_000);
    await tabTo(page.getByRole('button', { name: 'Mute microphone' }));
    await page.keyboard.press('Enter');
    await tabTo(page.getByRole('button', { name: 'Unmute microphone' }));
    const muted = await sendStats(page);
    assert.equal(muted.trackEnabled, false, 'muted from the keyboard: the microphone track is off');
    await tabTo(page.getByRole('button', { name: 'Leave', exact: true }));
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: 'Join again' }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Mute microphone' }).count(), 0, 'left: no microphone controls');
  });

  it('serves every page with a Content-Security-Policy that allows no inline script, and a favicon', async () => {
    for (const p of ['/', '/signin', '/recover', '/personas', '/hallway', '/people', '/admin', '/rooms/abc', '/deletions/abc']) {
      const res = await fetch(`${base}${p}`, { headers: { accept: 'text/html' } });
      assert.equal(res.status, 200, p);
      const csp = res.headers.get('content-security-policy') ?? '';
      assert.match(csp, /script-src 'self'(;|$)/, `${p}: ${csp}`);
      assert.match(csp, /style-src 'self'(;|$)/, `${p}: ${csp}`);
      assert.doesNotMatch(csp, /unsafe-inline|https:/, `${p}: ${csp}`);
      assert.doesNotMatch(csp, /upgrade-insecure-requests/, `${p}: a plain-http LAN address must still load the page's own script`);
      const html = await res.text();
      assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)/, `${p}: no inline script`);
      assert.doesNotMatch(html, /\bstyle=/, `${p}: no inline style`);
    }
    const icon = await fetch(`${base}/favicon.ico`);
    assert.equal(icon.status, 200);
    assert.match(icon.headers.get('content-type') ?? '', /image\/svg\+xml/);
    const info = (await (await fetch(`${base}/api/v1/instance`)).json()) as Record<string, unknown>;
    assert.deepEqual(info, { name: 'Fireside Test', host: new URL(base).host, description: 'A test instance for the browser client.', rules: [], registration: 'open', maxPersonas: 5 });
  });
});
