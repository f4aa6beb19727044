import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PASSWORD, startHarness, type Client, type Harness } from '../../test/helpers/accounts-harness.js';
import { minimumGap } from './deletion-schedule.js';
import type { PersonaDeletedEvent } from './index.js';

describe('persona deletion (HTTP)', () => {
  let h: Harness;
  let client: Client;
  const events: PersonaDeletedEvent[] = [];
  before(async () => {
    h = await startHarness();
    client = (await h.register('olga')).client;
    for (const handle of ['keep_me', 'drop_me']) assert.equal((await client.post('/api/v1/personas', { handle, displayName: handle })).status, 201);
    h.hooks.onPersonaDeleted((event) => {
      events.push(event);
    });
  });
  after(() => h.close());

  it('with a wrong password: 403 and nothing deleted, nothing federated', async () => {
    const before = h.dumpTables();
    const res = await client.delete('/api/v1/personas/drop_me', { password: 'not my password' });
    assert.deepEqual([res.status, res.body.error], [403, 'wrong_password']);
    const after = h.dumpTables();
    for (const table of Object.keys(before)) {
      if (table === 'sessions') continue; // lastUsedAt may move
      assert.equal(after[table], before[table], table);
    }
    assert.equal(h.federation.calls.filter((c) => c.startsWith('delete:')).length, 0);
    assert.deepEqual(events, []);
    assert.ok(await h.store.personas.findByHandle('drop_me'));
  });

  it('with the password: purged at once, handle retired, Delete requested, receipt and plain notice', async () => {
    const doomed = await h.store.personas.findByHandle('drop_me');
    assert.ok(doomed);
    // A second session, acting as the persona, ends with it; the deleting session acts as the other one.
    const phone = h.client();
    await phone.post('/api/v1/sessions', { username: 'olga', password: PASSWORD });
    await phone.post('/api/v1/personas/drop_me/act');
    await client.post('/api/v1/personas/keep_me/act');

    const res = await client.delete('/api/v1/personas/drop_me', { password: PASSWORD });
    assert.equal(res.status, 200);
    const receipts = res.body.receipts as { handle: string; receiptId: string }[];
    assert.equal(receipts.length, 1);
    assert.equal(receipts[0]?.handle, 'drop_me');
    assert.match(receipts[0]?.receiptId ?? '', /^[0-9a-f-]{36}$/);
    assert.match(String(res.body.notice), /asked|request/i);
    assert.match(String(res.body.notice), /could keep copies/);
    assert.equal(res.body.sessionEnded, false);

    assert.equal(await h.store.personas.findByHandle('drop_me'), undefined);
    assert.equal(await h.store.personas.isRetired('drop_me'), true);
    assert.equal(h.federation.actors.get('drop_me')?.deleted, true);
    assert.deepEqual(events, [{ personaId: doomed.id, handle: 'drop_me', actorId: 'http://hearth.test/u/drop_me' }]);
    // Listeners run while the actor still exists (rooms may still federate their end), then the actor goes.
    assert.deepEqual(h.federation.calls.slice(-1), ['delete:drop_me']);
    assert.equal((await phone.get('/api/v1/accounts/me')).status, 401, 'the session acting as it ended');
    assert.equal((await client.get('/api/v1/accounts/me')).body.actingPersona, 'keep_me');
    const tables = h.dumpTables();
    assert.equal(JSON.stringify(tables).includes(doomed.id), false, 'no row mentions the persona id');
    const mentioning = Object.entries(tables).filter(([, rows]) => rows.includes('drop_me')).map(([name]) => name);
    assert.deepEqual(mentioning, ['handle_tombstones'], 'only the retired handle remains');
    const tombstones = tables.handle_tombstones;
    assert.deepEqual(JSON.parse(tombstones ?? '[]'), [{ handle: 'drop_me' }], 'no account link, no time');
  });

  it('deleting the acting persona signs this session out', async () => {
    const res = await client.delete('/api/v1/personas/keep_me', { password: PASSWORD });
    assert.equal(res.status, 200);
    assert.equal(res.body.sessionEnded, true);
    assert.equal(client.cookies.has('hearth_session'), false);
  });

  it('a failing listener aborts the deletion (500), leaving the persona to delete again', async () => {
    const { client: c } = await h.register('pia');
    await c.post('/api/v1/personas', { handle: 'sticky', displayName: 'S' });
    const off = h.hooks.onPersonaDeleted(() => Promise.reject(new Error('rooms layer down')));
    const failed = await c.delete('/api/v1/personas/sticky', { password: PASSWORD });
    assert.equal(failed.status, 500);
    assert.ok(await h.store.personas.findByHandle('sticky'));
    assert.equal(h.federation.actors.get('sticky')?.deleted, false);
    off();
    assert.equal((await c.delete('/api/v1/personas/sticky', { password: PASSWORD })).status, 200);
  });
});

describe('account deletion (HTTP)', () => {
  let h: Harness;
  before(async () => (h = await startHarness()));
  after(() => h.close());

  it('with a wrong password: 403 and every table unchanged', async () => {
    const { client } = await h.register('ruth');
    await client.post('/api/v1/personas', { handle: 'ruth_p', displayName: 'R' });
    const before = h.dumpTables();
    const res = await client.delete('/api/v1/accounts/me', { password: 'wrong wrong wrong' });
    assert.deepEqual([res.status, res.body.error], [403, 'wrong_password']);
    const after = h.dumpTables();
    for (const table of Object.keys(before)) if (table !== 'sessions') assert.equal(after[table], before[table], table);
    assert.equal((await client.get('/api/v1/accounts/me')).status, 200);
  });

  it('with the password: every persona, session and code gone; no row anywhere mentions the account', async () => {
    const { client, recoveryCodes } = await h.register('steve_secret');
    const other = h.client();
    await other.post('/api/v1/sessions', { username: 'steve_secret', password: PASSWORD });
    for (const handle of ['steve_a', 'steve_b']) await client.post('/api/v1/personas', { handle, displayName: handle });
    const survivor = await h.register('tom');
    await survivor.client.post('/api/v1/personas', { handle: 'tom_p', displayName: 'Tom' });
    const account = await h.store.accounts.findByUsername('steve_secret');
    assert.ok(account);
    const personaIds = (await h.store.personas.listByAccount(account.id)).map((p) => p.id);
    const sessionIds = (await h.store.sessions.listByAccount(account.id)).map((s) => s.id);
    assert.equal(sessionIds.length, 2);

    const res = await client.delete('/api/v1/accounts/me', { password: PASSWORD });
    assert.equal(res.status, 200);
    assert.deepEqual((res.body.receipts as { handle: string }[]).map((r) => r.handle).sort(), ['steve_a', 'steve_b']);
    assert.match(String(res.body.notice), /could keep copies/);
    assert.equal(client.cookies.has('hearth_session'), false, 'cookie cleared');

    const tables = h.dumpTables();
    const everything = JSON.stringify(tables);
    for (const needle of [account.id, 'steve_secret', account.passwordHash, ...personaIds, ...sessionIds]) {
      for (const [table, rows] of Object.entries(tables)) assert.equal(rows.includes(needle), false, `${table} mentions ${needle}`);
    }
    const owners = new Set((JSON.parse(tables.recovery_codes ?? '[]') as { account_id: string }[]).map((r) => r.account_id));
    const others = await Promise.all(['ruth', 'tom'].map(async (u) => (await h.store.accounts.findByUsername(u))?.id));
    assert.deepEqual([...owners].sort(), others.sort(), "only other accounts' recovery codes remain");
    assert.ok(everything.includes('tom_p'), 'other accounts are untouched');
    assert.equal((await other.get('/api/v1/sessions')).status, 401);
    assert.equal((await h.client().post('/api/v1/sessions', { username: 'steve_secret', password: PASSWORD })).status, 401);
    const recover = await h.client().post('/api/v1/accounts/recover', { username: 'steve_secret', recoveryCode: recoveryCodes[0], newPassword: 'new password 000' });
    assert.equal(recover.status, 403);
    for (const handle of ['steve_a', 'steve_b']) {
      assert.equal(await h.store.personas.isRetired(handle), true);
      assert.equal(h.federation.actors.get(handle)?.deleted, true);
      const reuse = await survivor.client.post('/api/v1/personas', { handle, displayName: 'again' });
      assert.equal(reuse.status, 409);
    }
    assert.equal((await survivor.client.get('/api/v1/accounts/me')).status, 200);
  });
});

describe('account deletion spreads the remote Deletes of its personas (HTTP)', () => {
  let h: Harness;
  before(async () => (h = await startHarness({ deletionSpreadSeconds: 600, maxPersonas: 5 })));
  after(() => h.close());

  it('asks federation to hold each Delete back a different random delay, a minimum gap apart', async () => {
    const handles = ['sp_a', 'sp_b', 'sp_c', 'sp_d'];
    const { client } = await h.register('spread_user');
    for (const handle of handles) assert.equal((await client.post('/api/v1/personas', { handle, displayName: handle })).status, 201);
    assert.equal((await client.delete('/api/v1/accounts/me', { password: PASSWORD })).status, 200);
    const delays = handles.map((handle) => h.federation.deleteDelays.get(handle));
    for (const d of delays) assert.ok(d !== undefined && d >= 0 && d <= 600_000, `delay ${d}`);
    const sorted = (delays as number[]).sort((a, b) => a - b);
    for (let i = 1; i < sorted.length; i++) {
      assert.ok((sorted[i] ?? 0) - (sorted[i - 1] ?? 0) >= minimumGap(4, 600_000) - 1, `delays ${sorted.join(', ')} are back to back`);
    }
  });
});
