import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PASSWORD, startHarness, storeBytes, type Harness } from '../../test/helpers/accounts-harness.js';
import { InviteService } from './invite.service.js';
import { sha256Hex } from './secrets.js';

describe('registration modes (HTTP, real SQLite)', () => {
  it('open: 201 with ten distinct recovery codes, signed in at once', async () => {
    const h = await startHarness({ registration: 'open' });
    try {
      const client = h.client();
      const res = await client.post('/api/v1/accounts', { username: 'Alice.B-ok_1', password: PASSWORD });
      assert.equal(res.status, 201);
      const codes = res.body.recoveryCodes as string[];
      assert.equal(codes.length, 10);
      assert.equal(new Set(codes).size, 10);
      for (const code of codes) assert.match(code, /^[a-z2-7]{5}(-[a-z2-7]{5}){3}$/);
      assert.deepEqual(Object.keys(res.body), ['recoveryCodes']);
      const me = await client.get('/api/v1/accounts/me');
      assert.equal(me.status, 200);
      // The first account of a fresh instance is its administrator (moderation, ADR 0020); later ones are not.
      assert.deepEqual(me.body, { username: 'alice.b-ok_1', isAdmin: true, role: 'admin', actingPersona: null, recoveryCodesLeft: 10 });
      const again = await h.client().post('/api/v1/accounts', { username: 'ALICE.b-OK_1', password: PASSWORD });
      assert.equal(again.status, 409, 'usernames are case-insensitive');
      assert.equal(again.body.error, 'username_taken');
      const second = h.client();
      assert.equal((await second.post('/api/v1/accounts', { username: 'bob_2', password: PASSWORD })).status, 201);
      assert.equal((await second.get('/api/v1/accounts/me')).body.isAdmin, false);
    } finally {
      await h.close();
    }
  });

  it('closed: 403 and no account', async () => {
    const h = await startHarness({ registration: 'closed' });
    try {
      const res = await h.client().post('/api/v1/accounts', { username: 'bob', password: PASSWORD });
      assert.equal(res.status, 403);
      assert.equal(res.body.error, 'registration_closed');
      assert.match(String(res.body.message), /closed/);
      assert.equal(await h.store.accounts.findByUsername('bob'), undefined);
    } finally {
      await h.close();
    }
  });

  it('invite: missing 403, unknown 403, valid 201, used 409; admin invites over HTTP', async () => {
    const h = await startHarness({ registration: 'invite' });
    try {
      const missing = await h.client().post('/api/v1/accounts', { username: 'carol', password: PASSWORD });
      assert.deepEqual([missing.status, missing.body.error], [403, 'invite_required']);
      const unknown = await h.client().post('/api/v1/accounts', { username: 'carol', password: PASSWORD, inviteCode: 'aaaaa-bbbbb-ccccc-ddddd' });
      assert.deepEqual([unknown.status, unknown.body.error], [403, 'invite_unknown']);

      // The first invites come from the service the admin command line uses.
      const [code, plainCode] = await new InviteService({ store: h.store }).create(2);
      assert.ok(code && plainCode);
      const admin = h.client();
      // The first account is the administrator (moderation); the second is not.
      assert.equal((await admin.post('/api/v1/accounts', { username: 'root_admin', password: PASSWORD, inviteCode: code })).status, 201);
      const plain = h.client();
      assert.equal((await plain.post('/api/v1/accounts', { username: 'plain_user', password: PASSWORD, inviteCode: plainCode })).status, 201);
      const nonAdmin = await plain.post('/api/v1/admin/invites', { count: 2 });
      assert.deepEqual([nonAdmin.status, nonAdmin.body.error], [403, 'not_admin']);
      const made = await admin.post('/api/v1/admin/invites', { count: 2 });
      assert.equal(made.status, 201);
      const [invite, spare] = made.body.inviteCodes as string[];
      assert.ok(invite && spare && invite !== spare);
      assert.equal((await admin.post('/api/v1/admin/invites', { count: 101 })).status, 400);
      assert.equal((await h.client().post('/api/v1/admin/invites', {})).status, 401);

      const used = await h.client().post('/api/v1/accounts', { username: 'dave', password: PASSWORD, inviteCode: invite.toUpperCase() });
      assert.equal(used.status, 201, 'codes are case-insensitive');
      const reuse = await h.client().post('/api/v1/accounts', { username: 'erin', password: PASSWORD, inviteCode: invite });
      assert.deepEqual([reuse.status, reuse.body.error], [409, 'invite_used']);
      assert.match(String(reuse.body.message), /already been used/);
      const taken = await h.client().post('/api/v1/accounts', { username: 'dave', password: PASSWORD, inviteCode: spare });
      assert.equal(taken.status, 409);
      assert.equal((await h.store.invites.find(sha256Hex(`hearth:invite:${spare.replace(/-/g, '')}`)))?.usedAt, null, 'not used up by a failed registration');
    } finally {
      await h.close();
    }
  });
});

describe('recovery codes (HTTP, real SQLite)', () => {
  let h: Harness;
  before(async () => (h = await startHarness()));
  after(() => h.close());

  it('are stored only as hashes: no code nor password in any database file', async () => {
    const { recoveryCodes } = await h.register('frank', 'frank password 123');
    const bytes = storeBytes(h.dataDir);
    for (const code of recoveryCodes) {
      assert.equal(bytes.includes(code), false);
      assert.equal(bytes.includes(code.replace(/-/g, '')), false);
    }
    assert.equal(bytes.includes('frank password 123'), false);
    assert.ok(bytes.includes(sha256Hex(`hearth:recovery:${(recoveryCodes[0] ?? '').replace(/-/g, '')}`)), 'the hash is what is stored');
  });

  it('reset the password once per code and end every session', async () => {
    const { client, recoveryCodes } = await h.register('grace');
    const second = h.client();
    assert.equal((await second.post('/api/v1/sessions', { username: 'grace', password: PASSWORD })).status, 201);
    const [code, other] = recoveryCodes;
    assert.ok(code && other);

    const wrong = await h.client().post('/api/v1/accounts/recover', { username: 'grace', recoveryCode: 'aaaaa-aaaaa-aaaaa-aaaaa', newPassword: 'new password 456' });
    assert.deepEqual([wrong.status, wrong.body.error], [403, 'recovery_failed']);
    const nobody = await h.client().post('/api/v1/accounts/recover', { username: 'nobody', recoveryCode: code, newPassword: 'new password 456' });
    assert.deepEqual([nobody.status, nobody.body.error], [403, 'recovery_failed'], 'an unknown user fails the same way');
    assert.equal((await client.get('/api/v1/sessions')).status, 200, 'failed attempts change nothing');

    const ok = await h.client().post('/api/v1/accounts/recover', { username: 'GRACE', recoveryCode: code.toUpperCase(), newPassword: 'new password 456' });
    assert.equal(ok.status, 200);
    assert.deepEqual(ok.body, { recoveryCodesLeft: 9 });
    assert.equal((await client.get('/api/v1/sessions')).status, 401, 'sessions revoked');
    assert.equal((await second.get('/api/v1/sessions')).status, 401, 'sessions revoked');
    assert.equal((await h.client().post('/api/v1/sessions', { username: 'grace', password: PASSWORD })).status, 401, 'old password dead');
    assert.equal((await h.client().post('/api/v1/sessions', { username: 'grace', password: 'new password 456' })).status, 201);
    const reuse = await h.client().post('/api/v1/accounts/recover', { username: 'grace', recoveryCode: code, newPassword: 'third password 789' });
    assert.equal(reuse.status, 403, 'one-time');
  });

  it('regenerate with the password; old codes stop working', async () => {
    const { client, recoveryCodes } = await h.register('heidi');
    const wrong = await client.post('/api/v1/accounts/me/recovery-codes', { password: 'not the password' });
    assert.deepEqual([wrong.status, wrong.body.error], [403, 'wrong_password']);
    const res = await client.post('/api/v1/accounts/me/recovery-codes', { password: PASSWORD });
    assert.equal(res.status, 200);
    const fresh = res.body.recoveryCodes as string[];
    assert.equal(fresh.length, 10);
    assert.equal(fresh.some((c) => recoveryCodes.includes(c)), false);
    const old = await h.client().post('/api/v1/accounts/recover', { username: 'heidi', recoveryCode: recoveryCodes[0], newPassword: 'whatever 12345' });
    assert.equal(old.status, 403);
    const fresh0 = await h.client().post('/api/v1/accounts/recover', { username: 'heidi', recoveryCode: fresh[0], newPassword: 'whatever 12345' });
    assert.equal(fresh0.status, 200);
  });
});

describe('sessions (HTTP, real SQLite)', () => {
  let h: Harness;
  before(async () => (h = await startHarness()));
  after(() => h.close());

  it('log in with a 256-bit token cookie of which only the SHA-256 is stored', async () => {
    await h.register('ivan');
    const client = h.client();
    const res = await client.post('/api/v1/sessions', { username: 'Ivan', password: PASSWORD });
    assert.equal(res.status, 201);
    const token = client.cookies.get('hearth_session') ?? '';
    assert.equal(Buffer.from(token, 'base64url').length, 32);
    const tables = JSON.stringify(h.dumpTables());
    assert.equal(tables.includes(token), false);
    assert.ok(tables.includes(sha256Hex(token)));
  });

  it('refuse wrong passwords and unknown users alike, with 401', async () => {
    const wrong = await h.client().post('/api/v1/sessions', { username: 'ivan', password: 'wrong password' });
    const unknown = await h.client().post('/api/v1/sessions', { username: 'nobody_here', password: 'wrong password' });
    assert.deepEqual([wrong.status, wrong.body], [401, { error: 'invalid_credentials', message: 'wrong username or password' }]);
    assert.deepEqual([unknown.status, unknown.body], [wrong.status, wrong.body]);
    assert.equal(wrong.setCookies.some((c) => c.startsWith('hearth_session=')), false);
  });

  it('list mine (id, createdAt, lastUsedAt, current) with nothing about the client', async () => {
    await h.register('judy');
    const a = h.client();
    const b = h.client();
    await a.post('/api/v1/sessions', { username: 'judy', password: PASSWORD });
    await b.post('/api/v1/sessions', { username: 'judy', password: PASSWORD }, { 'user-agent': 'Secret Browser 1.0' });
    const list = await a.get('/api/v1/sessions');
    assert.equal(list.status, 200);
    const sessions = list.body.sessions as { id: string; current: boolean; createdAt: string; lastUsedAt: string }[];
    assert.equal(sessions.length, 3, 'registration + two logins');
    for (const s of sessions) {
      assert.deepEqual(Object.keys(s).sort(), ['createdAt', 'current', 'id', 'lastUsedAt']);
      assert.ok(!Number.isNaN(Date.parse(s.createdAt)));
    }
    assert.equal(sessions.filter((s) => s.current).length, 1);
    const tables = JSON.stringify(h.dumpTables());
    assert.equal(tables.includes('Secret Browser'), false);
    assert.equal(tables.includes('127.0.0.1'), false);
  });

  it('revoke another session by id, and log out the current one', async () => {
    await h.register('kim');
    const a = h.client();
    const b = h.client();
    await a.post('/api/v1/sessions', { username: 'kim', password: PASSWORD });
    await b.post('/api/v1/sessions', { username: 'kim', password: PASSWORD });
    const bId = ((await b.get('/api/v1/sessions')).body.sessions as { id: string; current: boolean }[]).find((s) => s.current)?.id;
    assert.ok(bId);
    assert.equal((await a.delete(`/api/v1/sessions/${bId}`)).status, 204);
    assert.equal((await b.get('/api/v1/sessions')).status, 401);
    assert.equal((await a.delete(`/api/v1/sessions/${bId}`)).status, 404, 'already gone');
    const stranger = await h.register('stranger');
    const aId = ((await a.get('/api/v1/sessions')).body.sessions as { id: string; current: boolean }[]).find((s) => s.current)?.id;
    assert.equal((await stranger.client.delete(`/api/v1/sessions/${aId}`)).status, 404, "another account's session is not found");
    assert.equal((await a.get('/api/v1/sessions')).status, 200);
    const out = await a.delete('/api/v1/sessions/current');
    assert.equal(out.status, 204);
    assert.ok(out.setCookies.some((c) => /^hearth_session=;.*Expires=Thu, 01 Jan 1970/.test(c)), 'cookie cleared');
    assert.equal(a.cookies.has('hearth_session'), false);
    assert.equal((await a.get('/api/v1/sessions')).status, 401);
  });

  it('expire after 30 days without use, not 30 days after login', async () => {
    const { client } = await h.register('leo');
    h.clock.offsetMs = 29 * 86_400_000;
    assert.equal((await client.get('/api/v1/sessions')).status, 200, 'used on day 29');
    h.clock.offsetMs = 58 * 86_400_000;
    assert.equal((await client.get('/api/v1/sessions')).status, 200, 'day 58 is 29 idle days later');
    h.clock.offsetMs = 88 * 86_400_000 + 60_000;
    const expired = await client.get('/api/v1/sessions');
    assert.deepEqual([expired.status, expired.body.error], [401, 'not_authenticated']);
    h.clock.offsetMs = 0;
  });
});

describe('session cookie flags', () => {
  for (const [publicUrl, secure] of [['http://hearth.test', false], ['https://rooms.example', true]] as const) {
    it(`HttpOnly, SameSite=Lax, Path=/, Secure=${secure} for ${publicUrl}`, async () => {
      const h = await startHarness({ publicUrl });
      try {
        const res = await h.client().post('/api/v1/accounts', { username: 'mallory', password: PASSWORD });
        const cookie = res.setCookies.find((c) => c.startsWith('hearth_session='));
        assert.ok(cookie);
        const attributes = cookie.split(';').map((a) => a.trim());
        assert.ok(attributes.includes('HttpOnly'));
        assert.ok(attributes.includes('SameSite=Lax'));
        assert.ok(attributes.includes('Path=/'));
        assert.equal(attributes.includes('Secure'), secure);
        assert.ok(attributes.some((a) => a === `Max-Age=${30 * 86400}`));
        const device = res.setCookies.find((c) => c.startsWith('hearth_device='));
        assert.ok(device);
        assert.ok(device.includes('HttpOnly') && device.includes('SameSite=Strict') && device.includes('Path=/api/v1'));
        assert.equal(device.includes('Secure'), secure);
      } finally {
        await h.close();
      }
    });
  }
});
