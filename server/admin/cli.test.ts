/**
 * The admin command line, run as a real process (`node dist/server/admin/cli.js`)
 * against a real SQLite data directory, with configuration from the
 * environment and from a config file, as an operator would run it.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { hashCode } from '../accounts/secrets.js';
import { createLogger } from '../core/logging/logger.js';
import { openStore, type Store } from '../store/index.js';
import { UsageError, parseAdminArgs } from './commands.js';

const CLI_JS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'cli.js');
const log = createLogger({ level: 'silent', logIpAddresses: false });

describe('admin command line (child process, real SQLite)', () => {
  let dataDir: string;
  const run = (args: string[], env: Record<string, string> = { HEARTH_DATA_DIR: dataDir }) => {
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('HEARTH_') && k !== 'MONGODB_URL'));
    const result = spawnSync(process.execPath, [CLI_JS, ...args], { env: { ...clean, ...env }, encoding: 'utf8', timeout: 30_000 });
    return { code: result.status, stdout: result.stdout, stderr: result.stderr };
  };
  const withStore = async <T>(work: (store: Store) => Promise<T>): Promise<T> => {
    const store = await openStore({ dataDir, log });
    try {
      return await work(store);
    } finally {
      await store.close();
    }
  };

  before(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-admin-cli-'));
  });
  after(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('invite create --count N prints N usable codes, one per line, and nothing else', async () => {
    const res = run(['invite', 'create', '--count', '3']);
    assert.equal(res.code, 0, res.stderr);
    const codes = res.stdout.trim().split('\n');
    assert.equal(codes.length, 3);
    for (const code of codes) assert.match(code, /^[a-z2-7]{5}(-[a-z2-7]{5}){3}$/);
    await withStore(async (store) => {
      for (const code of codes) assert.deepEqual((await store.invites.find(hashCode('invite', code)))?.usedAt, null);
    });
    const one = run(['invite', 'create']);
    assert.equal(one.code, 0);
    assert.equal(one.stdout.trim().split('\n').length, 1);
  });

  it('account grant-admin / revoke-admin flip the flag, with the config file as the server reads it', async () => {
    await withStore(async (store) => {
      const outcome = await store.accounts.create({ id: 'cli-account-1', username: 'opal', passwordHash: '$scrypt$x', isAdmin: false }, []);
      assert.equal(outcome, 'created');
    });
    const configFile = path.join(dataDir, 'hearth.json');
    fs.writeFileSync(configFile, JSON.stringify({ storage: { dataDir } }));
    const granted = run(['--config', configFile, 'account', 'grant-admin', 'OPAL'], {});
    assert.equal(granted.code, 0, granted.stderr);
    assert.match(granted.stdout, /opal is now an administrator/);
    assert.equal(await withStore(async (s) => (await s.accounts.findByUsername('opal'))?.isAdmin), true);
    const revoked = run(['account', 'revoke-admin', 'opal']);
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.equal(await withStore(async (s) => (await s.accounts.findByUsername('opal'))?.isAdmin), false);
  });

  it('blocks, lists and lifts domain blocks, sets roles, suspends accounts and resolves reports, all in the audit log', async () => {
    await withStore(async (store) => {
      await store.accounts.create({ id: 'cli-account-2', username: 'jade', passwordHash: '$scrypt$x', isAdmin: false }, []);
      await store.personas.create({ id: 'cli-persona-2', accountId: 'cli-account-2', handle: 'jade_p', displayName: 'J', summary: '', discoverable: false, approveFollowers: false, actorId: null }, 5);
      await store.moderation.createReport({
        id: 'rep-1', source: 'remote', reporter: 'https://far.example/actor', targetKind: 'persona', target: 'cli-persona-2', targetLabel: '@jade_p',
        roomId: null, comment: 'spam', createdAt: new Date(), activityId: 'https://far.example/flags/1', resolution: null,
      });
    });
    const added = run(['domain-block', 'add', 'Bücher.Example.', '--level', 'suspend', '--reason', 'raids']);
    assert.equal(added.code, 0, added.stderr);
    assert.equal(added.stdout, 'xn--bcher-kva.example suspended\n');
    const twice = run(['domain-block', 'add', 'xn--BCHER-kva.example', '--level', 'limit']);
    assert.deepEqual([twice.code, twice.stderr.trim()], [2, 'hearth-admin: xn--bcher-kva.example is blocked already; use domain-block update']);
    assert.equal(run(['domain-block', 'update', 'bücher.example', '--level', 'limit']).stdout, 'xn--bcher-kva.example limited\n');
    const listed = run(['domain-block', 'list']);
    assert.deepEqual((JSON.parse(listed.stdout) as { domain: string; level: string; reason: string }), { ...(JSON.parse(listed.stdout) as object), domain: 'xn--bcher-kva.example', level: 'limit', reason: 'raids' });
    assert.equal(run(['domain-block', 'remove', 'xn--bcher-kva.example']).code, 0);
    assert.equal(run(['domain-block', 'list']).stdout, '');

    assert.equal(run(['role', 'set', 'jade', 'moderator']).code, 0);
    assert.deepEqual(await withStore((s) => s.moderation.moderators()), ['cli-account-2']);
    assert.equal(run(['account', 'suspend', 'jade', '--reason', 'spam']).stdout, 'jade suspended\n');
    assert.deepEqual(await withStore((s) => s.moderation.suspendedAccounts()), ['cli-account-2']);
    assert.equal(run(['account', 'unsuspend', 'jade']).code, 0);

    const reports = run(['report', 'list']).stdout.trim().split('\n').map((l) => JSON.parse(l) as { id: string; target: { label: string } });
    assert.deepEqual(reports.map((r) => [r.id, r.target.label]), [['rep-1', '@jade_p']]);
    assert.equal(run(['report', 'resolve', 'rep-1', '--action', 'block_domain', '--level', 'limit', '--note', 'source of spam']).code, 0);
    assert.equal(run(['report', 'list']).stdout, '');
    assert.equal(run(['domain-block', 'list']).stdout.includes('"domain":"far.example","level":"limit"'), true, 'the reporting instance limited');

    const audit = run(['audit', 'list', '--limit', '100']).stdout.trim().split('\n').map((l) => JSON.parse(l) as { actor: string; action: string; target: string });
    assert.deepEqual(audit.map((e) => e.action).reverse(), [
      'domain_block.create', 'domain_block.update', 'domain_block.delete', 'role.grant', 'account.suspend', 'account.unsuspend', 'domain_block.create', 'report.resolve',
    ]);
    assert.ok(audit.every((e) => e.actor === '(command line)'));
    const page = run(['audit', 'list', '--limit', '3']).stdout.trim().split('\n');
    assert.match(page[3] ?? '', /^# next page: --before \d+$/);
  });

  it('bad input exits 2 with one line on stderr', () => {
    const cases: [string[], RegExp][] = [
      [[], /no command given/],
      [['invite'], /unknown command "invite"/],
      [['invite', 'create', '--count', '0'], /--count must be an integer from 1 to 100/],
      [['invite', 'create', '--count', 'many'], /--count must be/],
      [['invite', 'create', '--count', '101'], /--count must be/],
      [['invite', 'create', '--bogus'], /unexpected argument "--bogus"/],
      [['account', 'grant-admin'], /missing <username>/],
      [['account', 'grant-admin', 'no such user!'], /not a valid username/],
      [['account', 'grant-admin', 'ghost_user'], /no account with username "ghost_user"/],
      [['account', 'delete', 'opal'], /unknown command/],
      [['domain-block', 'add', '192.0.2.1', '--level', 'suspend'], /an IP address cannot be blocked/],
      [['domain-block', 'add', 'localhost', '--level', 'suspend'], /not a domain name/],
      [['domain-block', 'add', 'x.example', '--level', 'ban'], /--level must be suspend or limit/],
      [['domain-block', 'remove', 'never.example'], /this domain is not blocked/],
      [['report', 'resolve', 'nope', '--action', 'remove_from_room'], /--action must be/],
      [['report', 'resolve', 'nope', '--action', 'dismiss'], /no report with this id/],
      [['role', 'set', 'opal', 'owner'], /the role is admin, moderator or none/],
      [['account', 'suspend', 'ghost_user'], /no account with this username/],
      [['audit', 'list', '--limit', 'lots'], /--limit must be/],
    ];
    for (const [args, message] of cases) {
      const res = run(args);
      assert.equal(res.code, 2, `${args.join(' ')}: ${res.stderr}`);
      assert.match(res.stderr, message);
      assert.equal(res.stderr.trim().split('\n').length, 1, `one line: ${res.stderr}`);
      assert.equal(res.stdout, '');
    }
  });

  it('a bad configuration exits 2 too, naming the key', () => {
    const res = run(['invite', 'create'], { HEARTH_DATA_DIR: dataDir, HEARTH_REGISTRATION: 'sometimes' });
    assert.equal(res.code, 2);
    assert.match(res.stderr, /HEARTH_REGISTRATION/);
  });

  it('parses --config and --config= apart from the command', () => {
    assert.deepEqual(parseAdminArgs(['--config=x.json', 'invite', 'create', '--count=5']), { configArgs: ['--config=x.json'], command: { kind: 'invite-create', count: 5 } });
    assert.throws(() => parseAdminArgs(['invite', 'create', '--config']), UsageError);
  });
});
