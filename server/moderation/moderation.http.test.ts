/**
 * Moderation over HTTP and signaling on one real server (store, mediasoup
 * worker, WebSocket): roles and who may call what, domain block input,
 * the reports queue resolved with actions that reach live rooms, account
 * suspension and its lifting, moderation of local rooms, the audit log.
 * Federation is not wired here (see test/e2e/moderation-*.test.ts).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client, PASSWORD } from '../../test/helpers/accounts-harness.js';
import { startRoomsHarness, type RoomsHarness } from '../../test/helpers/rooms-harness.js';
import type { SignalClient } from '../../test/helpers/signal-client.js';
import { deletedStaffPlaceholder } from './audit-log.js';

type Person = Awaited<ReturnType<RoomsHarness['person']>>;
interface AuditBody { entries: Array<{ id: number; actor: string; action: string; target: string; reason: string }>; next: string | null }

describe('moderation (HTTP and signaling, one server)', () => {
  let h: RoomsHarness;
  let admin: Person;
  let user: Person;
  let mod: Person;
  const open: SignalClient[] = [];
  const signal = async (cookie?: string): Promise<SignalClient> => {
    const c = await h.signal(cookie);
    open.push(c);
    return c;
  };
  const audit = async (client: Client): Promise<AuditBody['entries']> => ((await client.get('/api/v1/admin/audit-log?limit=200')).body as unknown as AuditBody).entries;

  before(async () => {
    h = await startRoomsHarness();
    admin = await h.person('boss');
    user = await h.person('plain');
    mod = await h.person('keeper');
  });
  after(async () => {
    for (const c of open) c.close();
    await h.close();
  });

  it('makes the first account admin, and no other', async () => {
    assert.equal((await admin.client.get('/api/v1/accounts/me')).body.isAdmin, true);
    assert.equal((await user.client.get('/api/v1/accounts/me')).body.isAdmin, false);
    assert.deepEqual((await admin.client.get('/api/v1/admin/accounts/u_plain')).body, { username: 'u_plain', role: null, suspended: false });
  });

  it('answers 401 to anonymous callers and 403 to non-moderators on every admin endpoint', async () => {
    const anonymous = new Client(h.baseUrl);
    const endpoints: Array<[string, string, unknown?]> = [
      ['GET', '/api/v1/admin/domain-blocks'], ['POST', '/api/v1/admin/domain-blocks', { domain: 'x.example', level: 'suspend' }],
      ['PATCH', '/api/v1/admin/domain-blocks/x.example', { level: 'limit' }], ['DELETE', '/api/v1/admin/domain-blocks/x.example', {}],
      ['GET', '/api/v1/admin/reports'], ['GET', '/api/v1/admin/reports/abc'], ['POST', '/api/v1/admin/reports/abc/resolve', { action: 'dismiss' }],
      ['GET', '/api/v1/admin/audit-log'], ['GET', '/api/v1/admin/accounts/u_boss'], ['PUT', '/api/v1/admin/accounts/u_plain/role', { role: 'admin' }],
      ['POST', '/api/v1/admin/accounts/u_boss/suspend', {}], ['POST', '/api/v1/admin/accounts/u_boss/unsuspend', {}],
      ['GET', '/api/v1/admin/rooms'], ['POST', '/api/v1/admin/rooms/abc/end', {}], ['POST', '/api/v1/admin/rooms/abc/remove', { handle: 'boss' }],
      ['GET', '/api/v1/admin/instance'], ['PATCH', '/api/v1/admin/instance', { name: 'x' }], ['GET', '/api/v1/admin/staff'],
    ];
    for (const [method, path, body] of endpoints) {
      const anon = await anonymous.request(method, path, body);
      assert.equal(anon.status, 401, `${method} ${path} anonymous`);
      const plain = await user.client.request(method, path, body);
      assert.equal(plain.status, 403, `${method} ${path} as a plain user`);
      assert.ok(['not_moderator', 'not_admin'].includes(String(plain.body.error)), String(plain.body.error));
    }
    assert.equal((await admin.client.get('/api/v1/admin/accounts/u_boss')).body.role, 'admin', 'nothing changed meanwhile');
  });

  it('lets the admin make a moderator, who moderates but cannot manage roles or settings', async () => {
    const granted = await admin.client.request('PUT', '/api/v1/admin/accounts/u_keeper/role', { role: 'moderator' });
    assert.equal(granted.status, 200, JSON.stringify(granted.body));
    assert.equal((await mod.client.get('/api/v1/admin/domain-blocks')).status, 200);
    const notAdmin = await mod.client.request('PUT', '/api/v1/admin/accounts/u_plain/role', { role: 'moderator' });
    assert.deepEqual([notAdmin.status, notAdmin.body.error], [403, 'not_admin']);
    assert.equal((await mod.client.patch('/api/v1/admin/instance', { name: 'Mine' })).status, 403);
    assert.equal((await admin.client.request('PUT', '/api/v1/admin/accounts/nobody_here/role', { role: 'moderator' })).status, 404);
    assert.equal((await admin.client.request('PUT', '/api/v1/admin/accounts/u_plain/role', { role: 'owner' })).status, 400);
    // The role is the account's: nothing a persona shows carries it.
    await mod.client.patch('/api/v1/personas/keeper', { discoverable: true });
    const listed = JSON.stringify((await new Client(h.baseUrl).get('/api/v1/directory')).body);
    assert.ok(listed.includes('keeper') && !/moderator|role|admin/i.test(listed), listed);
    const entries = await audit(admin.client);
    assert.ok(entries.some((e) => e.actor === 'u_boss' && e.action === 'role.grant' && e.target === 'u_keeper' && e.reason === 'moderator'));
  });

  it('tells each account its own role, and staff who holds a role', async () => {
    const roleOf = async (p: Person) => (await p.client.get('/api/v1/accounts/me')).body.role;
    assert.deepEqual([await roleOf(admin), await roleOf(mod), await roleOf(user)], ['admin', 'moderator', null]);
    const staff = await mod.client.get('/api/v1/admin/staff');
    assert.equal(staff.status, 200);
    assert.deepEqual(staff.body, { staff: [{ username: 'u_boss', role: 'admin' }, { username: 'u_keeper', role: 'moderator' }] });
    // A role taken away shows at once, in both.
    assert.equal((await admin.client.request('PUT', '/api/v1/admin/accounts/u_keeper/role', { role: null })).status, 200);
    assert.equal(await roleOf(mod), null);
    assert.deepEqual((await admin.client.get('/api/v1/admin/staff')).body, { staff: [{ username: 'u_boss', role: 'admin' }] });
    assert.equal((await admin.client.request('PUT', '/api/v1/admin/accounts/u_keeper/role', { role: 'moderator' })).status, 200);
  });

  it('refuses malformed domains and IP literals with 422, holds a block against other spellings, and lists it publicly once allowed', async () => {
    for (const [domain, error] of [['not a domain', 'invalid_domain'], ['x.example/path', 'invalid_domain'], ['192.0.2.7', 'invalid_domain'], ['[2001:db8::1]', 'invalid_domain']]) {
      const res = await mod.client.post('/api/v1/admin/domain-blocks', { domain, level: 'suspend' });
      assert.deepEqual([res.status, res.body.error], [422, error], domain);
    }
    assert.equal((await mod.client.post('/api/v1/admin/domain-blocks', { domain: 'x.example', level: 'ban' })).status, 400);
    const created = await mod.client.post('/api/v1/admin/domain-blocks', { domain: 'Bücher.Example.', level: 'limit', reason: 'spam wave', publicComment: 'spam' });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.domain, 'xn--bcher-kva.example');
    const again = await mod.client.post('/api/v1/admin/domain-blocks', { domain: 'xn--BCHER-kva.example', level: 'suspend' });
    assert.equal(again.status, 409, 'the same domain, spelt otherwise');
    assert.equal(h.moderation.blocks.levelOf('Sub.BÜCHER.example.:443'), 'limit', 'subdomains, case, Unicode, trailing dot and port');
    const patched = await mod.client.patch('/api/v1/admin/domain-blocks/B%C3%BCCHER.example', { level: 'suspend' });
    assert.deepEqual([patched.status, patched.body.level], [200, 'suspend']);

    assert.equal((await new Client(h.baseUrl).get('/api/v1/instance/domain-blocks')).status, 404, 'not public by default');
    const host = new URL(h.baseUrl).host;
    const configured = await new Client(h.baseUrl).get('/api/v1/instance');
    assert.deepEqual(configured.body, { name: host, host, description: '', rules: [], registration: 'open', maxPersonas: 5 }, 'the configured values first');
    assert.equal((await admin.client.patch('/api/v1/admin/instance', { showDomainBlocks: true, name: 'Night Owls', rules: ['Be kind <b>'] })).status, 200);
    const publicList = await new Client(h.baseUrl).get('/api/v1/instance/domain-blocks');
    assert.deepEqual(publicList.body.domainBlocks, [{ domain: 'xn--bcher-kva.example', level: 'suspend', comment: 'spam' }]);
    // One GET /api/v1/instance (the web client's): what the admin set overrides the configuration.
    const changed = await new Client(h.baseUrl).get('/api/v1/instance');
    assert.deepEqual(changed.body, { name: 'Night Owls', host, description: '', rules: ['Be kind <b>'], registration: 'open', maxPersonas: 5 });
    const landing = await (await fetch(`${h.baseUrl}/`)).text();
    assert.match(landing, /<title>Night Owls<\/title>/, 'the web client\'s page carries the new name');

    assert.equal((await mod.client.delete('/api/v1/admin/domain-blocks/xn--bcher-kva.example', { reason: 'over' })).status, 204);
    assert.equal((await mod.client.delete('/api/v1/admin/domain-blocks/xn--bcher-kva.example', {})).status, 404);
    assert.equal(h.moderation.blocks.levelOf('bücher.example'), undefined);
    const actions = (await audit(admin.client)).filter((e) => e.target === 'xn--bcher-kva.example').map((e) => `${e.actor} ${e.action}`);
    assert.deepEqual(actions, ['u_keeper domain_block.delete', 'u_keeper domain_block.update', 'u_keeper domain_block.create']);
  });

  it('takes reports into the queue, refuses bad ones, and resolves one by removing the persona from the room', { timeout: 30_000 }, async () => {
    const troll = await h.person('troll');
    const room = await admin.client.post('/api/v1/rooms', { title: 'Evening', visibility: 'public' });
    const roomId = String(room.body.id);
    const T = await signal(troll.cookie);
    await T.ok('join', { roomId });

    const unknown = await user.client.post('/api/v1/reports', { target: 'nobody_at_all', comment: 'x' });
    assert.deepEqual([unknown.status, unknown.body.error], [404, 'target_not_found']);
    const long = await user.client.post('/api/v1/reports', { target: 'troll', comment: 'x'.repeat(1001) });
    assert.equal(long.status, 422);
    assert.equal((await user.client.post('/api/v1/reports', { target: 'troll', comment: 'x', roomId: 'no-such-room' })).status, 404);
    assert.equal((await new Client(h.baseUrl).post('/api/v1/reports', { target: 'troll' })).status, 401);

    const filed = await user.client.post('/api/v1/reports', { target: '@troll', comment: 'shouting at people', roomId });
    assert.equal(filed.status, 202, JSON.stringify(filed.body));
    const queue = await mod.client.get('/api/v1/admin/reports');
    const report = (queue.body.reports as Array<{ id: string; reporter: string; target: { kind: string; label: string }; roomId: string }>)[0];
    assert.ok(report);
    assert.deepEqual([report.reporter, report.target.kind, report.target.label, report.roomId], ['@plain', 'persona', '@troll', roomId]);

    const left = T.event('left', (d) => d.reason === 'removed');
    const resolved = await mod.client.post(`/api/v1/admin/reports/${report.id}/resolve`, { action: 'remove_from_room', note: 'cooling off' });
    assert.equal(resolved.status, 200, JSON.stringify(resolved.body));
    await left;
    assert.equal(h.rooms.service.live(roomId)?.stage.participant(troll.personaId), undefined);
    assert.equal((await mod.client.post(`/api/v1/admin/reports/${report.id}/resolve`, { action: 'dismiss' })).status, 409);
    assert.equal((await mod.client.get('/api/v1/admin/reports')).body.reports instanceof Array && ((await mod.client.get('/api/v1/admin/reports')).body.reports as unknown[]).length, 0);
    assert.equal(((await mod.client.get('/api/v1/admin/reports?resolved=true')).body.reports as unknown[]).length, 1);
    const entries = await audit(admin.client);
    assert.ok(entries.some((e) => e.actor === 'u_keeper' && e.action === 'report.resolve' && e.reason === 'remove_from_room: cooling off'));
    assert.ok(entries.some((e) => e.actor === 'u_keeper' && e.action === 'room.remove_participant' && e.target === `@troll in room ${roomId}`));
  });

  it('suspends an account from a report: signed out, cannot sign in, its personas and rooms hidden, until lifted', { timeout: 30_000 }, async () => {
    const spammer = await h.person('spammer');
    await spammer.client.patch('/api/v1/personas/spammer', { discoverable: true });
    const room = await spammer.client.post('/api/v1/rooms', { title: 'Buy now', visibility: 'public' });
    const roomId = String(room.body.id);
    const listener = await h.person('listener1');
    const L = await signal(listener.cookie);
    await L.ok('join', { roomId });
    await user.client.post('/api/v1/reports', { target: `${h.baseUrl}/rooms/${roomId}`, comment: 'spam room' });
    const report = ((await mod.client.get('/api/v1/admin/reports')).body.reports as Array<{ id: string; target: { kind: string } }>)[0];
    assert.equal(report?.target.kind, 'room');

    const ended = L.event('left', (d) => d.reason === 'account_suspended');
    const resolved = await mod.client.post(`/api/v1/admin/reports/${report?.id ?? ''}/resolve`, { action: 'suspend_account', note: 'spam' });
    assert.equal(resolved.status, 200, JSON.stringify(resolved.body));
    await ended;
    assert.equal((await spammer.client.get('/api/v1/accounts/me')).status, 401, 'its sessions ended');
    const login = await new Client(h.baseUrl).post('/api/v1/sessions', { username: 'u_spammer', password: PASSWORD });
    assert.deepEqual([login.status, login.body.error], [403, 'account_suspended']);
    assert.equal((await new Client(h.baseUrl).post('/api/v1/sessions', { username: 'u_spammer', password: 'wrong password!' })).status, 401, 'nobody learns of the suspension without the password');
    const directory = JSON.stringify((await new Client(h.baseUrl).get('/api/v1/directory')).body);
    assert.ok(!directory.includes('spammer'));
    assert.ok(!JSON.stringify((await new Client(h.baseUrl).get('/api/v1/search?q=spam')).body).includes('spammer'));
    assert.equal((await user.client.get(`/api/v1/rooms/${roomId}`)).status, 404);

    const lifted = await mod.client.post('/api/v1/admin/accounts/u_spammer/unsuspend', { reason: 'appeal' });
    assert.equal(lifted.status, 200);
    const again = new Client(h.baseUrl);
    assert.equal((await again.post('/api/v1/sessions', { username: 'u_spammer', password: PASSWORD })).status, 201);
    assert.ok(JSON.stringify((await new Client(h.baseUrl).get('/api/v1/directory')).body).includes('spammer'));
    const entries = (await audit(admin.client)).filter((e) => e.target === 'u_spammer').map((e) => `${e.actor} ${e.action} ${e.reason}`);
    assert.deepEqual(entries, ['u_keeper account.unsuspend appeal', 'u_keeper account.suspend spam']);
  });

  it('lets moderators list live rooms, ban a participant with a reason, and end any room', { timeout: 30_000 }, async () => {
    const host = await h.person('roomhost');
    const guest = await h.person('visitor');
    const room = await host.client.post('/api/v1/rooms', { title: 'Open mic', visibility: 'public' });
    const roomId = String(room.body.id);
    const H = await signal(host.cookie);
    await H.ok('join', { roomId });
    const V = await signal(guest.cookie);
    await V.ok('join', { roomId });
    const live = (await mod.client.get('/api/v1/admin/rooms')).body.rooms as Array<{ id: string; participants: number; hostHandle: string }>;
    assert.deepEqual(live.find((r) => r.id === roomId), { ...live.find((r) => r.id === roomId), hostHandle: 'roomhost', participants: 2 });

    assert.equal((await mod.client.post(`/api/v1/admin/rooms/${roomId}/remove`, { handle: 'nobody_here' })).status, 404);
    const banned = V.event('left', (d) => d.reason === 'banned');
    const res = await mod.client.post(`/api/v1/admin/rooms/${roomId}/remove`, { handle: 'visitor', ban: true, reason: 'slurs' });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    await banned;
    const V2 = await signal(guest.cookie);
    const rejoin = await V2.request('join', { roomId });
    assert.equal(rejoin.ok ? 'ok' : rejoin.error.code, 'banned');

    const over = H.event('left', (d) => d.reason === 'room_ended');
    assert.equal((await mod.client.post(`/api/v1/admin/rooms/${roomId}/end`, { reason: 'raid' })).status, 200);
    await over;
    assert.equal((await mod.client.post(`/api/v1/admin/rooms/${roomId}/end`, {})).status, 404, 'ended already');
    const entries = (await audit(admin.client)).filter((e) => e.target.includes(roomId)).map((e) => `${e.action} ${e.reason}`);
    assert.deepEqual(entries, ['room.end raid', 'room.ban_participant slurs']);
  });

  it('records invite codes made over HTTP in the audit log, by account username and count', async () => {
    const made = await admin.client.post('/api/v1/admin/invites', { count: 3 });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    const entry = (await audit(admin.client)).find((e) => e.action === 'invite.create');
    assert.ok(entry, 'an invite.create entry');
    assert.equal(entry.actor, 'u_boss');
    assert.match(entry.target, /^3 invite codes$/);
  });

  it('pages the audit log, offers no way to change it, and keeps a deleted moderator\'s entries under a placeholder', async () => {
    const first = (await admin.client.get('/api/v1/admin/audit-log?limit=2')).body as unknown as AuditBody;
    assert.equal(first.entries.length, 2);
    assert.ok(first.next);
    const second = (await admin.client.get(`/api/v1/admin/audit-log?limit=2&before=${first.next}`)).body as unknown as AuditBody;
    assert.ok((second.entries[0]?.id ?? Infinity) < (first.entries[1]?.id ?? 0), 'older entries on the next page');
    assert.equal((await admin.client.get('/api/v1/admin/audit-log?before=abc')).status, 400);
    for (const method of ['PUT', 'PATCH', 'DELETE']) {
      assert.equal((await admin.client.request(method, '/api/v1/admin/audit-log', {})).status, 404, method);
      assert.equal((await admin.client.request(method, `/api/v1/admin/audit-log/${first.entries[0]?.id ?? 1}`, {})).status, 404, method);
    }
    const byKeeper = (await audit(admin.client)).filter((e) => e.actor === 'u_keeper').length;
    assert.ok(byKeeper > 0);
    const keeper = await h.store.accounts.findByUsername('u_keeper');
    assert.ok(keeper);
    assert.equal((await mod.client.delete('/api/v1/accounts/me', { password: PASSWORD })).status, 200);
    const after = await audit(admin.client);
    assert.equal(after.filter((e) => e.actor === 'u_keeper').length, 0);
    assert.equal(after.filter((e) => e.actor === deletedStaffPlaceholder(keeper.id)).length, byKeeper, 'every entry kept, under one placeholder');
  });
});

describe('spam limits on reports and room creation', () => {
  let h: RoomsHarness;
  before(async () => (h = await startRoomsHarness({ env: { HEARTH_REPORT_PER_ACCOUNT: '2', HEARTH_ROOM_PER_ACCOUNT: '2', HEARTH_ROOM_PER_CLIENT: '3' } })));
  after(async () => h.close());

  it('answers 429 with Retry-After over the per-account and per-client limits', async () => {
    const a = await h.person('limited_a');
    const b = await h.person('limited_b');
    for (let i = 0; i < 2; i++) assert.equal((await a.client.post('/api/v1/reports', { target: 'limited_b', comment: `${i}` })).status, 202);
    const third = await a.client.post('/api/v1/reports', { target: 'limited_b', comment: 'again' });
    assert.deepEqual([third.status, third.body.error], [429, 'rate_limited']);
    assert.ok(Number(third.headers.get('retry-after')) > 0);
    assert.equal((await b.client.post('/api/v1/reports', { target: 'limited_a', comment: 'other account' })).status, 202, 'per account');

    for (let i = 0; i < 2; i++) assert.equal((await a.client.post('/api/v1/rooms', { title: `r${i}`, visibility: 'public' })).status, 201);
    const room = await a.client.post('/api/v1/rooms', { title: 'r3', visibility: 'public' });
    assert.equal(room.status, 429);
    assert.ok(Number(room.headers.get('retry-after')) > 0);
    assert.equal((await a.client.post('/api/v1/rooms', { title: '', visibility: 'nope' })).status, 400, 'a bad body is refused before counting');
    assert.equal((await b.client.post('/api/v1/rooms', { title: 'b1', visibility: 'public' })).status, 201, 'the third from this address');
    const perClient = await b.client.post('/api/v1/rooms', { title: 'b2', visibility: 'public' });
    assert.equal(perClient.status, 429, 'a fourth from the same address, whatever the account');
  });
});
