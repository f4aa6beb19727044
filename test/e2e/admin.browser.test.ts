/**
 * The admin page and the People page's follow requests and reports, driven
 * in real Chromium against one real server process (one browser for the
 * file): the first account (the instance's administrator, ADR 0020) blocks
 * a domain, turns registration to invitation and makes invite codes that
 * new people use on the landing page, makes one of them a moderator (and
 * takes the role back) and reads all of it in the audit log; plain users and strangers get "not
 * allowed" (and 403/401 from the API). A persona approves one follow
 * request and rejects another, a stale request says so, a report filed on
 * the People page is resolved in the admin reports queue.
 *
 * The instance is served under a host name (hearth.test, mapped to loopback
 * in Chromium only) so that blocking the instance's own domain is tried for
 * real (an IP address is refused as "not a domain" first).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { HAVE_CHROMIUM } from '../helpers/browser.js';
import { freePort, startServerProcess, tempDir, type ServerProcess } from '../helpers/server-process.js';
import { checkPage, createPersonaOnPage, launchWebBrowser, signUpOnPage, type WebBrowser } from '../helpers/web-browser.js';

const skip = HAVE_CHROMIUM ? {} : { skip: 'no /usr/bin/chromium (npm test installs it when run as root)' };
const DOMAIN = 'hearth.test';

/** An API call from inside the page (its cookie, its origin): the status and error code. */
const fromPage = (page: Page, method: string, path: string, body?: unknown): Promise<{ status: number; error: string | null }> =>
  page.evaluate(async ([m, p, b]) => {
    const res = await fetch(p, { method: m, headers: { 'Content-Type': 'application/json' }, ...(b === undefined ? {} : { body: JSON.stringify(b) }) });
    const data = (await res.json().catch(() => ({}))) as { error?: string };
    return { status: res.status, error: data.error ?? null };
  }, [method, path, body] as const);

describe('the admin page and the People page in the browser (Chromium, real server)', skip, () => {
  let server: ServerProcess;
  let base: string;
  let host: string;
  let web: WebBrowser;
  let admin: Page;
  let moderator: Page;
  let plain: Page;

  before(async () => {
    const port = await freePort();
    host = `${DOMAIN}:${port}`;
    base = `http://${host}`;
    server = startServerProcess({
      env: {
        HEARTH_PORT: String(port), HEARTH_HOST: '127.0.0.1', HEARTH_PUBLIC_URL: base, HEARTH_DATA_DIR: tempDir(), HEARTH_MEDIA_WORKERS: '1',
        HEARTH_INSTANCE_NAME: 'Admin Test',
      },
    });
    await server.waitForLog((l) => l.msg === 'listening', 30_000);
    web = await launchWebBrowser(base, { [DOMAIN]: '127.0.0.1' });
  });
  after(async () => {
    await web?.close();
    server?.kill('SIGKILL');
  });

  const adminSection = (page: Page, name: string | RegExp) => page.getByRole('region', { name });

  it('an administrator blocks a domain, registers by invitation, invites, makes a moderator and reads the audit log', { timeout: 120_000 }, async () => {
    // The first account of the instance is its administrator; the navigation offers the page.
    admin = (await web.person()).page;
    await signUpOnPage(admin, 'adminuser', { heading: 'Admin Test' });
    await admin.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admin' }).click();
    await admin.getByRole('heading', { name: 'Administration', level: 1 }).waitFor();
    await admin.getByText('an administrator of this instance').waitFor();

    // Domain blocks: readable refusals, then a block, then its level changed.
    const blocks = adminSection(admin, 'Domain blocks');
    const blockDomain = async (domain: string): Promise<void> => {
      await blocks.getByLabel('Domain to block').fill(domain);
      await blocks.getByRole('button', { name: 'Block domain' }).click();
    };
    await blockDomain(DOMAIN);
    await blocks.getByRole('alert').filter({ hasText: 'this instance’s own domain' }).waitFor();
    await blockDomain('https://spam.example/x');
    await blocks.getByRole('alert').filter({ hasText: 'Domain: not a domain name' }).waitFor();
    await blocks.getByLabel('Private reason (for moderators)').fill('spam wave');
    await blockDomain('Spam.Example');
    await blocks.getByRole('status').filter({ hasText: 'spam.example is suspended.' }).waitFor();
    await blocks.getByRole('list', { name: 'Blocked domains' }).getByText('spam.example', { exact: true }).waitFor();
    await blockDomain('spam.example');
    await blocks.getByRole('alert').filter({ hasText: 'blocked already' }).waitFor();
    await blocks.getByRole('button', { name: 'Limit spam.example instead' }).click();
    await blocks.getByRole('status').filter({ hasText: 'spam.example is now limited.' }).waitFor();

    // Registration by invitation, and two invite codes shown once.
    const settings = adminSection(admin, 'Instance and registration');
    await settings.getByLabel('By invitation: an invite code is needed').check();
    await settings.getByLabel('Rules (one per line)').fill('Be kind.\nNo spam.');
    await settings.getByRole('button', { name: 'Save settings' }).click();
    await settings.getByRole('status').filter({ hasText: 'Settings saved.' }).waitFor();
    const invites = adminSection(admin, 'Invites');
    await invites.getByLabel('How many codes').fill('2');
    await invites.getByRole('button', { name: 'Create invite codes' }).click();
    const codeList = invites.getByRole('list', { name: 'New invite codes' });
    await codeList.waitFor();
    const codes = await codeList.getByRole('listitem').allTextContents();
    assert.equal(codes.length, 2);
    await invites.getByText('Shown only this once').waitFor();

    // A new person signs up on the landing page with a code (a wrong one first), and again with the same code: refused.
    moderator = (await web.person()).page;
    await moderator.goto('/');
    await moderator.getByRole('heading', { name: 'Rules of this instance' }).waitFor();
    await moderator.getByText('No spam.').waitFor();
    await moderator.getByLabel('Username').fill('inviteduser');
    await moderator.getByLabel('Password').fill('correct horse battery');
    await moderator.getByLabel('Invite code').fill('not-a-code');
    await moderator.getByRole('button', { name: 'Create account' }).click();
    await moderator.getByRole('alert').filter({ hasText: 'This invite code is not valid on this instance' }).waitFor();
    await checkPage(moderator, 'landing-invite');
    await signUpOnPage(moderator, 'inviteduser', { invite: codes[0] ?? '' });
    plain = (await web.person()).page;
    await plain.goto('/');
    await plain.getByLabel('Username').fill('reuser');
    await plain.getByLabel('Password').fill('correct horse battery');
    await plain.getByLabel('Invite code').fill(codes[0] ?? '');
    await plain.getByRole('button', { name: 'Create account' }).click();
    await plain.getByRole('alert').filter({ hasText: 'This invite code has already been used' }).waitFor();
    await signUpOnPage(plain, 'plainuser', { invite: codes[1] ?? '' });

    // The administrator makes the invited account a moderator (a mistyped name first).
    const roles = adminSection(admin, 'Roles');
    await roles.getByLabel('Account username').fill('nobody-such');
    await roles.getByRole('button', { name: 'Set role' }).click();
    await roles.getByRole('alert').filter({ hasText: 'No account has this username here.' }).waitFor();
    await roles.getByLabel('Account username').fill('inviteduser');
    await roles.getByLabel('Role', { exact: true }).selectOption('moderator');
    await roles.getByRole('button', { name: 'Set role' }).click();
    await roles.getByRole('status').filter({ hasText: 'inviteduser is now a moderator.' }).waitFor();
    await roles.getByRole('list', { name: 'Staff' }).getByText('inviteduser', { exact: true }).waitFor();

    // The audit log shows each of these actions, by the administrator's account.
    const audit = adminSection(admin, 'Audit log').getByRole('list', { name: 'Audit log entries' });
    for (const [action, target] of [['domain_block.create', 'spam.example'], ['domain_block.update', 'spam.example'], ['instance.update', 'instance settings'],
      ['invite.create', '2 invite codes'], ['role.grant', 'inviteduser']]) {
      await audit.getByRole('listitem').filter({ hasText: action }).filter({ hasText: target }).filter({ hasText: 'adminuser' }).first().waitFor();
    }
    // Only the settings changed were sent (the others keep following the configuration).
    await audit.getByRole('listitem').filter({ hasText: 'instance.update' }).filter({ hasText: '(registration, rules)' }).waitFor();
    await checkPage(admin, 'admin');

    // The new moderator finds the page in the navigation, without the administrators' sections.
    await moderator.reload();
    await moderator.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Moderation' }).click();
    await moderator.getByText('a moderator of this instance').waitFor();
    await adminSection(moderator, 'Domain blocks').getByText('spam.example', { exact: true }).waitFor();
    await moderator.getByText('managed by administrators').waitFor();
    assert.equal(await adminSection(moderator, 'Invites').count(), 0, 'no invites section for a moderator');
    assert.deepEqual(await fromPage(moderator, 'PATCH', '/api/v1/admin/instance', { registration: 'open' }), { status: 403, error: 'not_admin' });
    await checkPage(moderator, 'admin-moderator');

    // The administrator takes the role back: recorded, and the page closes to the former moderator at once.
    await roles.getByRole('button', { name: 'Take the moderator role from inviteduser' }).click();
    await roles.getByRole('status').filter({ hasText: 'inviteduser has no role now.' }).waitFor();
    await audit.getByRole('listitem').filter({ hasText: 'role.revoke' }).filter({ hasText: 'inviteduser' }).waitFor();
    await moderator.reload();
    await moderator.getByRole('heading', { name: 'Not allowed', level: 1 }).waitFor();

    // A plain user: no link, a plain "not allowed" page, and the API refuses (403); a stranger likewise (401).
    await plain.goto('/hallway');
    await plain.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'People' }).waitFor();
    assert.equal(await plain.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /Admin|Moderation/ }).count(), 0);
    await plain.goto('/admin');
    await plain.getByRole('heading', { name: 'Not allowed', level: 1 }).waitFor();
    await plain.getByText('Your account has no moderation role.').waitFor();
    assert.deepEqual(await fromPage(plain, 'GET', '/api/v1/admin/domain-blocks'), { status: 403, error: 'not_moderator' });
    assert.deepEqual(await fromPage(plain, 'POST', '/api/v1/admin/domain-blocks', { domain: 'other.example', level: 'suspend' }), { status: 403, error: 'not_moderator' });
    await checkPage(plain, 'admin-not-allowed');
    const stranger = (await web.person()).page;
    await stranger.goto('/admin');
    await stranger.getByRole('heading', { name: 'Not allowed', level: 1 }).waitFor();
    await stranger.getByText('You are not signed in').waitFor();
    assert.equal((await fromPage(stranger, 'GET', '/api/v1/admin/audit-log')).status, 401);
    assert.deepEqual(web.problems, [], 'no foreign request, no CSP violation, no page error');
  });

  it('approves and rejects follow requests on the People page, and a report reaches the admin queue and is resolved there', { timeout: 120_000 }, async () => {
    // The plain user's persona approves its followers; the administrator's and the moderator's personas ask to follow it.
    await plain.goto('/personas');
    await createPersonaOnPage(plain, 'carol', 'Carol');
    await plain.getByRole('button', { name: 'Edit @carol' }).click();
    await plain.getByLabel('Approve each new follower myself').check();
    await plain.getByRole('button', { name: 'Save' }).click();
    await plain.getByText('You approve each follower.').waitFor();
    for (const [page, handle] of [[admin, 'ada'], [moderator, 'mo']] as const) {
      await page.goto('/personas');
      await createPersonaOnPage(page, handle, handle.toUpperCase());
      await page.goto('/people');
      await page.getByLabel('Their handle').fill(`@carol@${host}`);
      await page.getByRole('button', { name: 'Follow', exact: true }).click();
      await page.getByText('Follow request sent to @carol').waitFor();
    }

    const requests = plain.getByRole('region', { name: /^Follow requests/ });
    await plain.goto('/people');
    await plain.getByRole('heading', { name: 'Follow requests (2)' }).waitFor();
    await checkPage(plain, 'people-requests');
    await requests.getByRole('button', { name: `Approve @ada@${host}` }).click();
    await plain.getByRole('status').filter({ hasText: `@ada@${host} now follows @carol.` }).waitFor();
    await plain.getByRole('heading', { name: 'Your followers (1)' }).waitFor();
    await plain.getByRole('region', { name: /^Your followers/ }).getByText(`@ada@${host}`).waitFor();

    // The other request is answered in a second tab; the first tab, still showing it, says it no longer exists.
    const tab = await plain.context().newPage();
    await tab.goto('/people');
    await tab.getByRole('button', { name: `Reject @mo@${host}` }).click();
    await tab.getByRole('status').filter({ hasText: `You turned down @mo@${host}'s follow request.` }).waitFor();
    await tab.getByRole('heading', { name: 'Follow requests (0)' }).waitFor();
    await tab.close();
    await requests.getByRole('button', { name: `Approve @mo@${host}` }).click();
    await requests.getByRole('alert').filter({ hasText: 'This follow request no longer exists' }).waitFor();
    await plain.getByRole('heading', { name: 'Follow requests (0)' }).waitFor();
    await plain.getByRole('heading', { name: 'Your followers (1)' }).waitFor();

    // Carol reports @mo on the People page.
    const report = plain.getByRole('region', { name: 'Report' });
    await report.getByLabel('Handle to report').fill('@mo');
    await report.getByLabel('What happened (optional)').fill('Keeps sending follow requests after being turned down.');
    await report.getByRole('button', { name: 'Send report' }).click();
    await plain.getByRole('status').filter({ hasText: 'Report about @mo sent.' }).waitFor();

    // The administrator finds it in the queue, with the reporter and the comment, and dismisses it with a note.
    await admin.goto('/admin');
    const item = adminSection(admin, 'Reports').getByRole('article', { name: 'Report about @mo' });
    await item.getByText('Keeps sending follow requests').waitFor();
    await item.getByText('From @carol').waitFor();
    await checkPage(admin, 'admin-reports');
    await item.getByLabel('Action').selectOption('dismiss');
    await item.getByLabel('Note (for the audit log)').fill('talked to them');
    await item.getByRole('button', { name: 'Resolve report about @mo' }).click();
    await adminSection(admin, 'Reports').getByRole('status').filter({ hasText: 'The report about @mo is resolved' }).waitFor();
    await adminSection(admin, 'Reports').getByText('No open reports.').waitFor();
    await adminSection(admin, 'Audit log').getByRole('listitem').filter({ hasText: 'report.resolve' }).filter({ hasText: 'talked to them' }).waitFor();
    await adminSection(admin, 'Reports').getByLabel('Show resolved reports instead of open ones').check();
    await adminSection(admin, 'Reports').getByRole('article', { name: 'Report about @mo' }).getByText('Resolved by adminuser').waitFor();
    assert.deepEqual(web.problems, [], 'no foreign request, no CSP violation, no page error');
  });
});
