/**
 * Service-level tests: the services built by hand on a real SQLite store in
 * a temporary directory (no HTTP), with a fake clock where time matters.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { StandinPersonaFederation } from '../../test/helpers/standin-persona-federation.js';
import { createLogger } from '../core/logging/logger.js';
import { openStore, type Store } from '../store/index.js';
import { AccountService } from './account.service.js';
import { Credentials } from './credentials.js';
import { DeletionService } from './deletion.service.js';
import { PersonaHooks } from './hooks.js';
import { InviteService } from './invite.service.js';
import { KnownDevices } from './known-devices.js';
import { LoginThrottle } from './login-throttle.js';
import { hashPassword } from './passwords.js';
import { PersonaService } from './persona.service.js';
import { SESSION_IDLE_MS, SessionResolver, SessionService } from './session.service.js';

const log = createLogger({ level: 'silent', logIpAddresses: false });
const client = { ip: '192.0.2.1' };
const PASSWORD = 'a long enough password';

describe('accounts services on SQLite', () => {
  let dataDir: string;
  let store: Store;
  let t: number;
  const now = (): number => t;
  let federation: StandinPersonaFederation;

  function services(registration: 'open' | 'invite' | 'closed' = 'open') {
    const throttle = new LoginThrottle(undefined, now);
    const devices = new KnownDevices(store.instance, now);
    const credentials = new Credentials({ store, throttle, devices, log });
    const hooks = new PersonaHooks();
    return {
      hooks,
      accounts: new AccountService({ store, registration, credentials, log }),
      sessions: new SessionService({ store, credentials, devices, log, now }),
      resolver: new SessionResolver(store, now),
      personas: new PersonaService({ store, federation, hooks, maxPersonas: 3, log, now }),
      deletion: new DeletionService({ store, federation, hooks, credentials, log }),
      invites: new InviteService({ store, now }),
    };
  }

  beforeEach(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-accounts-svc-'));
    store = await openStore({ dataDir, log });
    t = Date.parse('2026-01-01T00:00:00Z');
    federation = new StandinPersonaFederation();
  });
  afterEach(async () => {
    await store.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('registers in each mode', async () => {
    assert.deepEqual(await services('closed').accounts.register({ username: 'a_user', password: PASSWORD }), { ok: false, error: { kind: 'registration_closed' } });
    const invite = services('invite');
    assert.deepEqual(await invite.accounts.register({ username: 'a_user', password: PASSWORD }), { ok: false, error: { kind: 'invite_required' } });
    const [code] = await invite.invites.create(1);
    const created = await invite.accounts.register({ username: 'A_User', password: PASSWORD, inviteCode: code });
    assert.ok(created.ok);
    assert.equal(created.value.account.username, 'a_user');
    assert.equal(created.value.recoveryCodes.length, 10);
    assert.deepEqual(await invite.accounts.register({ username: 'b_user', password: PASSWORD, inviteCode: code }), { ok: false, error: { kind: 'invite_used' } });
    const open = await services('open').accounts.register({ username: 'b_user', password: PASSWORD, inviteCode: 'ignored-when-open' });
    assert.ok(open.ok);
  });

  it('logs in, resolves the session, and ends it after 30 idle days', async () => {
    const s = services();
    assert.ok((await s.accounts.register({ username: 'carl', password: PASSWORD })).ok);
    const login = await s.sessions.login('CARL', PASSWORD, client);
    assert.ok(login.ok);
    const resolved = await s.resolver.resolve(login.value.token);
    assert.equal(resolved?.auth.account.username, 'carl');
    assert.equal(resolved?.auth.persona, null);
    t += SESSION_IDLE_MS - 1000;
    assert.ok(await s.resolver.resolve(login.value.token), 'still alive just before 30 days');
    t += SESSION_IDLE_MS;
    assert.equal(await s.resolver.resolve(login.value.token), undefined);
    assert.deepEqual(await store.sessions.listByAccount(login.value.account.id), [], 'an expired session is deleted');
  });

  it('upgrades a hash made with weaker scrypt parameters at the next login', async () => {
    const s = services();
    const created = await s.accounts.register({ username: 'dora', password: PASSWORD });
    assert.ok(created.ok);
    await store.accounts.setPasswordHash(created.value.account.id, await hashPassword(PASSWORD, { ln: 12, r: 8, p: 1 }));
    assert.ok((await s.sessions.login('dora', PASSWORD, client)).ok);
    const stored = (await store.accounts.findById(created.value.account.id))?.passwordHash ?? '';
    assert.match(stored, /^\$scrypt\$ln=15,r=8,p=1\$/);
  });

  it('creates personas with random ids and the first one acting; deletes in order hooks -> actor -> rows', async () => {
    const s = services();
    const created = await s.accounts.register({ username: 'emil', password: PASSWORD });
    assert.ok(created.ok);
    const { token } = await s.sessions.start(created.value.account);
    const auth = (await s.resolver.resolve(token))?.auth;
    assert.ok(auth);
    const first = await s.personas.create(auth, { handle: 'emil_one', displayName: 'One' });
    assert.ok(first.ok && first.value.acting);
    assert.equal((await s.resolver.resolve(token))?.auth.persona?.handle, 'emil_one');
    const order: string[] = [];
    s.hooks.onPersonaDeleted(({ handle }) => {
      order.push(`hook:${handle}:${federation.actors.get(handle)?.deleted ? 'actor-gone' : 'actor-alive'}`);
    });
    const deleted = await s.deletion.deletePersona(created.value.account, 'emil_one', PASSWORD, client);
    assert.ok(deleted.ok);
    assert.deepEqual(order, ['hook:emil_one:actor-alive']);
    assert.equal(federation.actors.get('emil_one')?.deleted, true);
    assert.equal(await s.resolver.resolve(token), undefined, 'the session acting as it ended');
  });

  it('keeps the persona when federation cannot delete the actor, so the deletion can be retried', async () => {
    const s = services();
    const created = await s.accounts.register({ username: 'fay', password: PASSWORD });
    assert.ok(created.ok);
    const { token } = await s.sessions.start(created.value.account);
    const auth = (await s.resolver.resolve(token))?.auth;
    assert.ok(auth && (await s.personas.create(auth, { handle: 'fay_p', displayName: 'F' })).ok);
    const original = federation.deleteActor.bind(federation);
    federation.deleteActor = () => Promise.reject(new Error('delivery queue unavailable'));
    await assert.rejects(s.deletion.deleteAccount(created.value.account, PASSWORD, client), /delivery queue unavailable/);
    assert.ok(await store.accounts.findById(created.value.account.id));
    assert.ok(await store.personas.findByHandle('fay_p'));
    federation.deleteActor = original;
    const retried = await s.deletion.deleteAccount(created.value.account, PASSWORD, client);
    assert.ok(retried.ok);
    assert.deepEqual(retried.value.receipts.map((r) => r.handle), ['fay_p']);
    assert.equal(await store.accounts.findById(created.value.account.id), undefined);
  });
});
