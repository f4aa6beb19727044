import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PASSWORD, startHarness, type Answer, type Client, type Harness } from '../../test/helpers/accounts-harness.js';

describe('personas: creation rules (HTTP)', () => {
  let h: Harness;
  before(async () => (h = await startHarness({ maxPersonas: 2 })));
  after(() => h.close());

  it('creates a persona with its actor; the first one becomes acting', async () => {
    const { client } = await h.register('victor');
    const res = await client.post('/api/v1/personas', { handle: 'Night_Owl', displayName: 'Night Owl', summary: 'hoot\nhoot' });
    assert.equal(res.status, 201);
    assert.deepEqual(res.body, {
      handle: 'night_owl', displayName: 'Night Owl', summary: 'hoot\nhoot', actorId: 'http://hearth.test/u/night_owl',
      discoverable: false, approveFollowers: false, acting: true,
    });
    assert.deepEqual(h.federation.actors.get('night_owl')?.profile, { displayName: 'Night Owl', summary: 'hoot\nhoot', discoverable: false, approveFollowers: false });
    assert.equal((await client.get('/api/v1/accounts/me')).body.actingPersona, 'night_owl');
    const second = await client.post('/api/v1/personas', { handle: 'day_lark', displayName: 'Day Lark' });
    assert.equal(second.body.acting, false, 'only the first becomes acting by itself');
  });

  it('enforces accounts.maxPersonas with 409 and a message', async () => {
    const { client } = await h.register('wendy');
    assert.equal((await client.post('/api/v1/personas', { handle: 'w_one', displayName: 'W1' })).status, 201);
    assert.equal((await client.post('/api/v1/personas', { handle: 'w_two', displayName: 'W2' })).status, 201);
    const third = await client.post('/api/v1/personas', { handle: 'w_three', displayName: 'W3' });
    assert.deepEqual([third.status, third.body.error], [409, 'persona_limit']);
    assert.match(String(third.body.message), /at most 2 personas/);
    assert.equal(h.federation.actors.has('w_three'), false, 'no actor provisioned');
  });

  it('refuses taken (409), reserved (422), malformed (422) and retired (409) handles', async () => {
    const { client } = await h.register('xavier');
    const cases: [string, number, string][] = [
      ['night_owl', 409, 'handle_taken'],
      ['NIGHT_OWL', 409, 'handle_taken'],
      ['admin', 422, 'handle_reserved'],
      ['Support', 422, 'handle_reserved'],
      ['well_known', 422, 'handle_reserved'],
      ['postmaster_1', 422, 'handle_reserved'],
      ['has-dash', 422, 'handle_invalid'],
      ['a'.repeat(31), 422, 'handle_invalid'],
      ['émile', 422, 'handle_invalid'],
    ];
    for (const [handle, status, error] of cases) {
      const res = await client.post('/api/v1/personas', { handle, displayName: 'X' });
      assert.deepEqual([res.status, res.body.error], [status, error], handle);
    }
    assert.deepEqual((await client.get('/api/v1/personas')).body.personas, []);

    // A deleted persona's handle is never given out again, to anyone.
    assert.equal((await client.post('/api/v1/personas', { handle: 'short_lived', displayName: 'S' })).status, 201);
    assert.equal((await client.delete('/api/v1/personas/short_lived', { password: PASSWORD })).status, 200);
    const { client: other } = await h.register('yolanda');
    const retired = await other.post('/api/v1/personas', { handle: 'short_lived', displayName: 'S' });
    assert.deepEqual([retired.status, retired.body.error], [409, 'handle_retired']);
  });

  it('frees the handle again when the actor cannot be provisioned (500, nothing published)', async () => {
    const { client } = await h.register('zach');
    h.federation.failNextProvision = true;
    const failed = await client.post('/api/v1/personas', { handle: 'unlucky', displayName: 'U' });
    assert.deepEqual([failed.status, failed.body], [500, { error: 'internal', message: 'internal server error' }]);
    assert.equal(await h.store.personas.findByHandle('unlucky'), undefined);
    assert.equal((await client.post('/api/v1/personas', { handle: 'unlucky', displayName: 'U' })).status, 201);
  });
});

describe('personas: acting, settings, another account (HTTP)', () => {
  let h: Harness;
  let alice: Client;
  let bob: Client;
  before(async () => {
    h = await startHarness();
    alice = (await h.register('alice')).client;
    bob = (await h.register('bob')).client;
    for (const handle of ['moth', 'lamp']) assert.equal((await alice.post('/api/v1/personas', { handle, displayName: handle })).status, 201);
  });
  after(() => h.close());

  it('switches the acting persona explicitly, per session', async () => {
    const listed = (await alice.get('/api/v1/personas')).body.personas as { handle: string; acting: boolean }[];
    assert.deepEqual(listed.map((p) => [p.handle, p.acting]), [['lamp', false], ['moth', true]]);
    const act = await alice.post('/api/v1/personas/lamp/act');
    assert.equal(act.status, 200);
    assert.equal(act.body.acting, true);
    assert.equal((await alice.get('/api/v1/accounts/me')).body.actingPersona, 'lamp');
    // A new login with two personas acts as none until the user picks one.
    const laptop = h.client();
    const login = await laptop.post('/api/v1/sessions', { username: 'alice', password: PASSWORD });
    assert.equal(login.body.actingPersona, null);
    assert.equal((await laptop.get('/api/v1/accounts/me')).body.actingPersona, null);
    assert.equal((await alice.get('/api/v1/accounts/me')).body.actingPersona, 'lamp', 'the other session is unchanged');
  });

  it('acts as the only persona automatically at login', async () => {
    const { client } = await h.register('solo');
    await client.post('/api/v1/personas', { handle: 'solo_p', displayName: 'Solo' });
    const login = await h.client().post('/api/v1/sessions', { username: 'solo', password: PASSWORD });
    assert.equal(login.body.actingPersona, 'solo_p');
  });

  it('updates the profile and settings and re-publishes the actor', async () => {
    const res = await alice.patch('/api/v1/personas/moth', { displayName: 'Moth ✦', summary: 'likes lamps', discoverable: true, approveFollowers: true });
    assert.equal(res.status, 200);
    assert.deepEqual([res.body.displayName, res.body.discoverable, res.body.approveFollowers], ['Moth ✦', true, true]);
    assert.deepEqual(h.federation.actors.get('moth')?.profile, { displayName: 'Moth ✦', summary: 'likes lamps', discoverable: true, approveFollowers: true });
    assert.ok(h.federation.calls.includes('update:moth'));
  });

  it("answers 404 for another account's persona on every route, changing nothing", async () => {
    const before = JSON.stringify(h.dumpTables());
    const attempts: Answer[] = [
      await bob.patch('/api/v1/personas/moth', { displayName: 'pwned' }),
      await bob.post('/api/v1/personas/moth/act'),
      await bob.get('/api/v1/personas/moth/export'),
      await bob.delete('/api/v1/personas/moth', { password: PASSWORD }),
    ];
    const missing = await bob.patch('/api/v1/personas/no_such_persona', { displayName: 'x' });
    for (const res of attempts) {
      assert.equal(res.status, 404);
      assert.deepEqual(res.body, missing.body, 'indistinguishable from a persona that does not exist');
    }
    assert.equal(JSON.stringify(h.dumpTables()).replace(/"last_used_at":\d+/g, ''), before.replace(/"last_used_at":\d+/g, ''));
  });
});

describe('discovery is opt-in; personas are unlinkable (HTTP)', () => {
  let h: Harness;
  let yvonne: Client;
  let xena: Client;
  before(async () => {
    h = await startHarness();
    yvonne = (await h.register('yvonne_private')).client;
    xena = (await h.register('xena')).client;
    assert.equal((await yvonne.post('/api/v1/personas', { handle: 'owl_at_night', displayName: 'Owl', summary: 'nocturnal' })).status, 201);
    assert.equal((await yvonne.post('/api/v1/personas', { handle: 'lark_by_day', displayName: 'Lark', summary: 'up early' })).status, 201);
  });
  after(() => h.close());

  it('lists nobody until they opt in', async () => {
    assert.deepEqual((await xena.get('/api/v1/directory')).body, { personas: [], next: null });
    assert.deepEqual((await xena.get('/api/v1/search?q=owl')).body, { personas: [] });
    assert.equal((await yvonne.patch('/api/v1/personas/owl_at_night', { discoverable: true })).status, 200);
    const dir = (await h.client().get('/api/v1/directory')).body.personas as { handle: string }[];
    assert.deepEqual(dir.map((p) => p.handle), ['owl_at_night'], 'only the discoverable one, even to anonymous readers');
    assert.deepEqual(((await xena.get('/api/v1/search?q=LARK')).body.personas as unknown[]).length, 0);
    assert.deepEqual(((await xena.get('/api/v1/search?q=OWL')).body.personas as { handle: string }[]).map((p) => p.handle), ['owl_at_night']);
  });

  it('pages the directory by handle', async () => {
    assert.equal((await yvonne.patch('/api/v1/personas/lark_by_day', { discoverable: true })).status, 200);
    const first = await xena.get('/api/v1/directory?limit=1');
    assert.deepEqual([(first.body.personas as { handle: string }[])[0]?.handle, first.body.next], ['lark_by_day', 'lark_by_day']);
    const second = await xena.get('/api/v1/directory?limit=1&after=lark_by_day');
    assert.deepEqual((second.body.personas as { handle: string }[]).map((p) => p.handle), ['owl_at_night']);
  });

  it('shows another user nothing that two personas of one account have in common but instance-wide values', async () => {
    const seen: Answer[] = [await xena.get('/api/v1/directory'), await xena.get('/api/v1/search?q=l'), await h.client().get('/api/v1/directory')];
    const records = (seen[0]?.body.personas ?? []) as Record<string, unknown>[];
    const owl = records.find((p) => p.handle === 'owl_at_night');
    const lark = records.find((p) => p.handle === 'lark_by_day');
    assert.ok(owl && lark);
    for (const p of [owl, lark]) assert.deepEqual(Object.keys(p).sort(), ['actorId', 'displayName', 'handle', 'summary']);
    // Strip the instance-wide part (origin and actor path) and compare what is left.
    const own = (p: Record<string, unknown>): string[] =>
      Object.values(p).map((v) => String(v).replace(h.config.http.publicUrl, '').replace('/u/', ''));
    const owlParts = own(owl);
    for (const part of own(lark)) {
      for (const o of owlParts) {
        for (let i = 0; i + 5 <= part.length; i++) assert.equal(o.includes(part.slice(i, i + 5)), false, `shared "${part.slice(i, i + 5)}"`);
      }
    }
    // No account or persona identifier, no username, no time anywhere in what others see.
    const account = await h.store.accounts.findByUsername('yvonne_private');
    const personas = await h.store.personas.listByAccount(account?.id ?? '');
    assert.equal(personas.length, 2);
    for (const res of seen) {
      const headers: string[] = [];
      res.headers.forEach((value, name) => headers.push(`${name}: ${value}`));
      const text = JSON.stringify(res.body) + headers.join('\n');
      for (const secret of [account?.id ?? '', 'yvonne_private', ...personas.map((p) => p.id)]) assert.equal(text.includes(secret), false);
      assert.doesNotMatch(text, /published|createdAt|\d{4}-\d\d-\d\dT/);
    }
  });

  it('keeps persona ids random, not sequential', async () => {
    const account = await h.store.accounts.findByUsername('yvonne_private');
    const ids = (await h.store.personas.listByAccount(account?.id ?? '')).map((p) => p.id);
    for (const id of ids) assert.match(id, /^[0-9a-f]{32}$/);
    assert.notEqual(ids[0]?.slice(0, 8), ids[1]?.slice(0, 8));
  });
});

describe('persona export (HTTP)', () => {
  it('answers the owner a JSON archive with profile, settings, relationships and hosted rooms', async () => {
    const h = await startHarness();
    try {
      const { client } = await h.register('uma');
      await client.post('/api/v1/personas', { handle: 'uma_p', displayName: 'Uma', summary: 'hi' });
      await client.patch('/api/v1/personas/uma_p', { approveFollowers: true });
      const actor = h.federation.actors.get('uma_p');
      assert.ok(actor);
      actor.followers.push('https://remote.example/users/f1', 'https://other.example/u/f2');
      actor.following.push('https://remote.example/users/g1');
      const empty = await client.get('/api/v1/personas/uma_p/export');
      assert.deepEqual(empty.body.roomsHosted, [], 'empty until rooms exist');
      h.hooks.provideHostedRooms(({ handle }) => Promise.resolve([{ name: `${handle}'s room` }]));
      const res = await client.get('/api/v1/personas/uma_p/export');
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-disposition') ?? '', /attachment; filename="uma_p-export.json"/);
      assert.equal(res.headers.get('cache-control'), 'no-store');
      const { exportedAt, ...rest } = res.body;
      assert.ok(Math.abs(Date.parse(String(exportedAt)) - Date.now()) < 60_000);
      assert.deepEqual(rest, {
        format: 'hearth.persona-export',
        version: 1,
        profile: { handle: 'uma_p', displayName: 'Uma', summary: 'hi', actorId: 'http://hearth.test/u/uma_p' },
        settings: { discoverable: false, approveFollowers: true },
        followers: ['https://remote.example/users/f1', 'https://other.example/u/f2'],
        following: ['https://remote.example/users/g1'],
        roomsHosted: [{ name: "uma_p's room" }],
      });
    } finally {
      await h.close();
    }
  });
});
