/**
 * Contract cases of the accounts repositories (accounts, recovery codes,
 * sessions, personas, retired handles, invites): every adapter must behave
 * exactly so.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { AccountRecord, PersonaRecord, SessionRecord, Store } from '../../server/store/index.js';
import type { ContractContext } from './store-contract-context.js';

let serial = 0;
function unique(prefix: string): string {
  return `${prefix}${++serial}${Math.random().toString(16).slice(2, 10)}`;
}

export function account(username: string, extra: Partial<AccountRecord> = {}): AccountRecord {
  return { id: unique('acct-'), username, passwordHash: `$scrypt$hash-of-${username}`, isAdmin: false, ...extra };
}

export function persona(accountId: string, handle: string, extra: Partial<PersonaRecord> = {}): PersonaRecord {
  return {
    id: unique('p-'), accountId, handle, displayName: `Display ${handle}`, summary: '',
    discoverable: false, approveFollowers: false, actorId: null, ...extra,
  };
}

export function session(accountId: string, extra: Partial<SessionRecord> = {}): SessionRecord {
  const at = new Date('2025-01-02T03:04:05.678Z');
  return { id: unique('s-'), accountId, actingPersonaId: null, createdAt: at, lastUsedAt: at, ...extra };
}

async function withAccount(store: Store, username = unique('user')): Promise<AccountRecord> {
  const a = account(username);
  assert.equal(await store.accounts.create(a, ['code-1', 'code-2']), 'created');
  return a;
}

export function defineAccountsContract(ctx: ContractContext): void {
  it('creates accounts with unique usernames and finds them by id and username', async () => {
    const { accounts } = ctx.store();
    const a = account('alice', { isAdmin: true });
    assert.equal(await accounts.create(a, ['h1', 'h2']), 'created');
    assert.equal(await accounts.create(account('alice'), []), 'username_taken');
    assert.deepEqual(await accounts.findById(a.id), a);
    assert.deepEqual(await accounts.findByUsername('alice'), a);
    assert.equal(await accounts.findByUsername('bob'), undefined);
    assert.equal(await accounts.countRecoveryCodes(a.id), 2);
  });

  it('consumes an invite only with a successful registration', async () => {
    const { accounts, invites } = ctx.store();
    const at = new Date('2025-03-04T05:06:07.000Z');
    await invites.create('invite-hash', at);
    assert.deepEqual(await invites.find('invite-hash'), { createdAt: at, usedAt: null });
    assert.equal(await accounts.create(account('carol'), [], 'nope'), 'invite_unknown');
    await withAccount(ctx.store(), 'dave');
    assert.equal(await accounts.create(account('dave'), [], 'invite-hash'), 'username_taken');
    assert.equal((await invites.find('invite-hash'))?.usedAt, null, 'a failed registration leaves the invite unused');
    assert.equal(await accounts.create(account('erin'), [], 'invite-hash'), 'created');
    assert.ok((await invites.find('invite-hash'))?.usedAt instanceof Date);
    assert.equal(await accounts.create(account('frank'), [], 'invite-hash'), 'invite_used');
    assert.equal(await accounts.findByUsername('frank'), undefined);
    assert.equal(await accounts.create(account('dave'), [], 'unknown-hash'), 'invite_unknown', 'the invite is checked first');
  });

  it('sets passwords and admin flags', async () => {
    const { accounts } = ctx.store();
    const a = await withAccount(ctx.store(), 'grace');
    assert.equal(await accounts.setPasswordHash(a.id, 'new-hash'), true);
    assert.equal(await accounts.setAdmin('grace', true), true);
    assert.deepEqual(await accounts.findById(a.id), { ...a, passwordHash: 'new-hash', isAdmin: true });
    assert.equal(await accounts.setAdmin('nobody-here', true), false);
    assert.ok((await accounts.listAdmins()).includes('grace'), 'an administrator is listed');
    await accounts.setAdmin('grace', false);
    assert.ok(!(await accounts.listAdmins()).includes('grace'), 'a former administrator is not');
    assert.equal(await accounts.setPasswordHash('missing', 'x'), false);
  });

  it('uses a recovery code once: password set, sessions ended', async () => {
    const store = ctx.store();
    const a = await withAccount(store);
    await store.sessions.create(session(a.id), 'tok-1');
    assert.equal(await store.accounts.recover(a.id, 'wrong', 'h2'), false);
    assert.equal((await store.sessions.listByAccount(a.id)).length, 1, 'a wrong code changes nothing');
    assert.equal(await store.accounts.recover(a.id, 'code-1', 'recovered-hash'), true);
    assert.equal((await store.accounts.findById(a.id))?.passwordHash, 'recovered-hash');
    assert.deepEqual(await store.sessions.listByAccount(a.id), []);
    assert.equal(await store.accounts.recover(a.id, 'code-1', 'again'), false, 'used up');
    assert.equal(await store.accounts.countRecoveryCodes(a.id), 1);
  });

  it('replaces recovery codes', async () => {
    const store = ctx.store();
    const a = await withAccount(store);
    await store.accounts.replaceRecoveryCodes(a.id, ['n1', 'n2', 'n3']);
    assert.equal(await store.accounts.countRecoveryCodes(a.id), 3);
    assert.equal(await store.accounts.recover(a.id, 'code-1', 'x'), false, 'old codes are gone');
    assert.equal(await store.accounts.recover(a.id, 'n2', 'x'), true);
  });

  it('stores sessions by token hash, lists them oldest first, touches, revokes and expires them', async () => {
    const store = ctx.store();
    const a = await withAccount(store);
    const b = await withAccount(store);
    const s1 = session(a.id, { createdAt: new Date(1000), lastUsedAt: new Date(1000) });
    const s2 = session(a.id, { createdAt: new Date(2000), lastUsedAt: new Date(5000) });
    const other = session(b.id);
    await store.sessions.create(s2, 'hash-2');
    await store.sessions.create(s1, 'hash-1');
    await store.sessions.create(other, 'hash-3');
    assert.deepEqual(await store.sessions.findByTokenHash('hash-1'), s1);
    assert.equal(await store.sessions.findByTokenHash('nope'), undefined);
    assert.deepEqual((await store.sessions.listByAccount(a.id)).map((s) => s.id), [s1.id, s2.id]);
    await store.sessions.touch(s1.id, new Date(9000));
    await store.sessions.touch(s1.id, new Date(8000));
    assert.equal((await store.sessions.findByTokenHash('hash-1'))?.lastUsedAt.getTime(), 9000, 'touch never goes back');
    assert.equal(await store.sessions.delete(s1.id, b.id), false, "another account's session is not deleted");
    assert.equal(await store.sessions.deleteIdleSince(new Date(6000)), 1 + (other.lastUsedAt.getTime() < 6000 ? 1 : 0));
    assert.equal(await store.sessions.findByTokenHash('hash-2'), undefined, 'idle session gone');
    assert.equal(await store.sessions.delete(s1.id, a.id), true);
    assert.equal(await store.sessions.deleteAllForAccount(a.id), 0);
  });

  it('creates personas unless the handle is taken or retired or the limit is reached', async () => {
    const store = ctx.store();
    const a = await withAccount(store);
    const b = await withAccount(store);
    const p1 = persona(a.id, 'night_owl');
    assert.equal(await store.personas.create(p1, 2), 'created');
    assert.equal(await store.personas.create(persona(b.id, 'night_owl'), 2), 'handle_taken');
    assert.equal(await store.personas.create(persona(a.id, 'day_lark'), 2), 'created');
    assert.equal(await store.personas.create(persona(a.id, 'third'), 2), 'limit_reached');
    assert.equal(await store.personas.findByHandle('third'), undefined);
    assert.deepEqual(await store.personas.findById(p1.id), p1);
    assert.deepEqual((await store.personas.listByAccount(a.id)).map((p) => p.handle), ['day_lark', 'night_owl']);
    assert.deepEqual(await store.personas.delete(p1.id), p1);
    assert.equal(await store.personas.isRetired('night_owl'), true);
    assert.equal(await store.personas.create(persona(b.id, 'night_owl'), 2), 'handle_retired');
    assert.equal(await store.personas.delete(p1.id), undefined);
  });

  it('updates personas, sets actor ids and discards unpublished ones without retiring the handle', async () => {
    const store = ctx.store();
    const a = await withAccount(store);
    const p = persona(a.id, 'owl');
    await store.personas.create(p, 5);
    const updated = await store.personas.update(p.id, { discoverable: true, displayName: 'Owl', summary: undefined });
    assert.deepEqual(updated, { ...p, discoverable: true, displayName: 'Owl' });
    await store.personas.setActorId(p.id, 'https://hearth.test/u/owl');
    assert.equal((await store.personas.findByHandle('owl'))?.actorId, 'https://hearth.test/u/owl');
    assert.equal(await store.personas.update('missing', { summary: 'x' }), undefined);
    await store.personas.discardUnpublished(p.id);
    assert.equal(await store.personas.isRetired('owl'), false);
    assert.equal(await store.personas.create(persona(a.id, 'owl'), 5), 'created', 'the handle is free again');
  });

  it('ends the sessions acting as a deleted persona, and no others', async () => {
    const store = ctx.store();
    const a = await withAccount(store);
    const p = persona(a.id, 'actor_one');
    const q = persona(a.id, 'actor_two');
    await store.personas.create(p, 5);
    await store.personas.create(q, 5);
    const acting = session(a.id);
    const other = session(a.id);
    await store.sessions.create(acting, 'h-acting');
    await store.sessions.create(other, 'h-other');
    await store.sessions.setActingPersona(acting.id, p.id);
    await store.sessions.setActingPersona(other.id, q.id);
    assert.equal((await store.sessions.findByTokenHash('h-acting'))?.actingPersonaId, p.id);
    await store.personas.delete(p.id);
    assert.equal(await store.sessions.findByTokenHash('h-acting'), undefined);
    assert.equal((await store.sessions.findByTokenHash('h-other'))?.actingPersonaId, q.id);
  });

  it('lists and searches only discoverable personas, by handle', async () => {
    const store = ctx.store();
    const a = await withAccount(store);
    await store.personas.create(persona(a.id, 'zeta', { discoverable: true, displayName: 'Zeta Ünïcode' }), 9);
    await store.personas.create(persona(a.id, 'alpha', { discoverable: true, displayName: 'Night Owl' }), 9);
    await store.personas.create(persona(a.id, 'hidden_owl', { displayName: 'Owl too' }), 9);
    await store.personas.create(persona(a.id, 'mid_100', { discoverable: true, displayName: '100% real' }), 9);
    assert.deepEqual((await store.personas.listDiscoverable(10)).map((p) => p.handle), ['alpha', 'mid_100', 'zeta']);
    assert.deepEqual((await store.personas.listDiscoverable(1, 'alpha')).map((p) => p.handle), ['mid_100']);
    assert.deepEqual((await store.personas.searchDiscoverable('OWL', 10)).map((p) => p.handle), ['alpha']);
    assert.deepEqual((await store.personas.searchDiscoverable('ünï', 10)).map((p) => p.handle), ['zeta']);
    assert.deepEqual((await store.personas.searchDiscoverable('ÜNÏ', 10)).map((p) => p.handle), ['zeta']);
    assert.deepEqual((await store.personas.searchDiscoverable('0%', 10)).map((p) => p.handle), ['mid_100'], 'wildcards are literal');
    assert.deepEqual(await store.personas.searchDiscoverable('_', 10).then((r) => r.map((p) => p.handle)), ['mid_100']);
    assert.deepEqual(await store.personas.searchDiscoverable('.*', 10), []);
  });

  it('deletes an account with its sessions, codes and personas, retiring the handles', async () => {
    const store = ctx.store();
    const a = await withAccount(store, 'leaving');
    const keep = await withAccount(store, 'staying');
    await store.personas.create(persona(a.id, 'gone_one'), 5);
    await store.personas.create(persona(a.id, 'gone_two'), 5);
    await store.personas.create(persona(keep.id, 'kept'), 5);
    await store.sessions.create(session(a.id), 'h-a');
    await store.sessions.create(session(keep.id), 'h-keep');
    assert.deepEqual(await store.accounts.delete(a.id), ['gone_one', 'gone_two']);
    assert.equal(await store.accounts.findById(a.id), undefined);
    assert.equal(await store.accounts.findByUsername('leaving'), undefined);
    assert.equal(await store.accounts.countRecoveryCodes(a.id), 0);
    assert.deepEqual(await store.sessions.listByAccount(a.id), []);
    assert.deepEqual(await store.personas.listByAccount(a.id), []);
    assert.equal(await store.personas.isRetired('gone_two'), true);
    assert.equal(await store.accounts.create(account('leaving'), []), 'created', 'the private username may be used again');
    assert.ok(await store.sessions.findByTokenHash('h-keep'));
    assert.ok(await store.personas.findByHandle('kept'));
    assert.equal(await store.accounts.delete(a.id), undefined);
  });

  it('keeps accounts and personas across close and reopen', async () => {
    const a = await withAccount(ctx.store(), 'durable');
    await ctx.store().personas.create(persona(a.id, 'durable_p'), 5);
    const reopened = await ctx.reopen();
    assert.equal((await reopened.accounts.findByUsername('durable'))?.id, a.id);
    assert.equal((await reopened.personas.findByHandle('durable_p'))?.accountId, a.id);
  });
}
