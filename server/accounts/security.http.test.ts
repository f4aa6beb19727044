import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PASSWORD, startHarness, type Client, type Harness } from '../../test/helpers/accounts-harness.js';

/** A client that says it comes from `ip` (the harness trusts one proxy). */
function from(h: Harness, ip: string, base?: Client): Client {
  const client = base ?? h.client();
  client.headers = { 'x-forwarded-for': ip };
  return client;
}

describe('failed-login rate limiting (HTTP)', () => {
  let h: Harness;
  before(async () => (h = await startHarness({ trustProxy: 1 })));
  after(() => h.close());

  it('pauses one client after 5 failures with 429, Retry-After and a JSON message', async () => {
    await h.register('paula');
    const attacker = from(h, '198.51.100.1');
    for (let i = 0; i < 5; i++) {
      assert.equal((await attacker.post('/api/v1/sessions', { username: 'paula', password: `guess number ${i}` })).status, 401);
    }
    const limited = await attacker.post('/api/v1/sessions', { username: 'paula', password: PASSWORD });
    assert.equal(limited.status, 429, 'even the right password is not checked while paused');
    assert.equal(limited.body.error, 'rate_limited');
    assert.match(String(limited.body.message), /try again in \d+ seconds/);
    const retryAfter = Number(limited.headers.get('retry-after'));
    assert.ok(retryAfter > 0 && retryAfter <= 900, `Retry-After ${retryAfter}`);
    assert.equal((await from(h, '198.51.100.2').post('/api/v1/sessions', { username: 'paula', password: PASSWORD })).status, 201, 'another client is not paused');
  });

  it('cools an account down across clients, but never locks out its owner on a known device', async () => {
    await h.register('quinn');
    // The owner signed in from this browser before: it holds a known-device cookie.
    const owner = from(h, '192.0.2.10');
    assert.equal((await owner.post('/api/v1/sessions', { username: 'quinn', password: PASSWORD })).status, 201);
    assert.ok(owner.cookies.has('hearth_device'));
    assert.equal((await owner.delete('/api/v1/sessions/current')).status, 204);

    // A botnet: four addresses, five guesses each.
    for (let bot = 1; bot <= 4; bot++) {
      const attacker = from(h, `203.0.113.${bot}`);
      for (let i = 0; i < 5; i++) await attacker.post('/api/v1/sessions', { username: 'quinn', password: `bot ${bot} guess ${i}` });
    }
    const newcomer = await from(h, '203.0.113.99').post('/api/v1/sessions', { username: 'quinn', password: PASSWORD });
    assert.equal(newcomer.status, 429, 'the account is cooling down for unknown clients');

    const back = await owner.post('/api/v1/sessions', { username: 'quinn', password: PASSWORD });
    assert.equal(back.status, 201, 'the owner on a known device gets in');
    // Even from the attacker's own address (shared NAT), the device has its own bucket.
    const sameNat = from(h, '203.0.113.1', h.client());
    sameNat.cookies.set('hearth_device', owner.cookies.get('hearth_device') ?? '');
    assert.equal((await sameNat.post('/api/v1/sessions', { username: 'quinn', password: PASSWORD })).status, 201);

    // The cool-down ends by itself.
    h.clock.offsetMs = 15 * 60_000 + 1000;
    assert.equal((await from(h, '203.0.113.99').post('/api/v1/sessions', { username: 'quinn', password: PASSWORD })).status, 201);
    h.clock.offsetMs = 0;
  });

  it('counts wrong passwords on deletion too (a stolen session cannot brute-force)', async () => {
    const { client } = await h.register('rita');
    from(h, '198.51.100.50', client);
    for (let i = 0; i < 5; i++) assert.equal((await client.delete('/api/v1/accounts/me', { password: `guess ${i}` })).status, 403);
    const limited = await client.delete('/api/v1/accounts/me', { password: PASSWORD });
    assert.equal(limited.status, 429);
    assert.ok(await h.store.accounts.findByUsername('rita'), 'nothing deleted');
  });
});

describe('CSRF rules (HTTP)', () => {
  let h: Harness;
  let client: Client;
  before(async () => {
    h = await startHarness();
    client = (await h.register('sam')).client;
  });
  after(() => h.close());

  it('refuses a signed-in state change that is not JSON (403), as a cross-site form would send it', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const res = await client.request('POST', '/api/v1/personas', 'handle=owl&displayName=Owl', { 'content-type': type });
      assert.deepEqual([res.status, res.body.error], [403, 'csrf_content_type'], type);
    }
    const del = await client.request('DELETE', '/api/v1/sessions/current', undefined, { 'content-type': 'text/plain' });
    assert.equal(del.status, 403);
    assert.equal((await client.get('/api/v1/personas')).status, 200, 'the session still works');
    assert.deepEqual(await h.store.personas.listByAccount((await h.store.accounts.findByUsername('sam'))?.id ?? ''), []);
  });

  it('refuses a foreign Origin (403) and accepts our own', async () => {
    const foreign = await client.post('/api/v1/personas', { handle: 'owl', displayName: 'Owl' }, { origin: 'https://evil.example' });
    assert.deepEqual([foreign.status, foreign.body.error], [403, 'cross_origin']);
    const lookalike = await client.post('/api/v1/personas', { handle: 'owl', displayName: 'Owl' }, { origin: 'http://hearth.test.evil.example' });
    assert.equal(lookalike.status, 403);
    const login = await h.client().post('/api/v1/sessions', { username: 'sam', password: PASSWORD }, { origin: 'https://evil.example' });
    assert.equal(login.status, 403, 'no login CSRF either');
    const ours = await client.post('/api/v1/personas', { handle: 'owl', displayName: 'Owl' }, { origin: 'http://hearth.test' });
    assert.equal(ours.status, 201);
  });

  it('answers 415 to a non-JSON body without a session', async () => {
    const res = await h.client().request('POST', '/api/v1/sessions', 'username=sam', { 'content-type': 'text/plain' });
    assert.deepEqual([res.status, res.body.error], [415, 'unsupported_media_type']);
  });
});

describe('bad input (HTTP)', () => {
  let h: Harness;
  let client: Client;
  before(async () => {
    h = await startHarness();
    client = (await h.register('tina')).client;
    assert.equal((await client.post('/api/v1/personas', { handle: 'tina_p', displayName: 'Tina' })).status, 201);
  });
  after(() => h.close());

  it('malformed JSON is 400 in the project error shape', async () => {
    const res = await client.request('POST', '/api/v1/personas', '{"handle": "x",', {});
    assert.equal(res.status, 400);
    assert.deepEqual(res.body, { error: 'malformed_json', message: 'request body is not valid JSON' });
    const anon = await h.client().request('POST', '/api/v1/accounts', '{nope', {});
    assert.equal(anon.status, 400);
  });

  it('unknown fields are 400, naming the field', async () => {
    const cases: [Client, string, string, unknown][] = [
      [h.client(), 'POST', '/api/v1/accounts', { username: 'uma', password: PASSWORD, phone: '+15551234567' }],
      [h.client(), 'POST', '/api/v1/sessions', { username: 'tina', password: PASSWORD, remember: true }],
      [client, 'POST', '/api/v1/personas', { handle: 'x1', displayName: 'X', contacts: [] }],
      [client, 'PATCH', '/api/v1/personas/tina_p', { displayName: 'T', published: '2020-01-01' }],
      [client, 'DELETE', '/api/v1/personas/tina_p', { password: PASSWORD, force: true }],
      [client, 'DELETE', '/api/v1/accounts/me', { password: PASSWORD, soft: true }],
      [client, 'POST', '/api/v1/personas/tina_p/act', { extra: 1 }],
    ];
    for (const [who, method, url, body] of cases) {
      const res = await who.request(method, url, body);
      assert.equal(res.status, 400, `${method} ${url}`);
      assert.equal(res.body.error, 'invalid_request');
      assert.match(String(res.body.message), /^unknown field/);
    }
    assert.equal(await h.store.accounts.findByUsername('uma'), undefined);
    assert.ok(await h.store.personas.findByHandle('tina_p'), 'nothing deleted by a refused request');
  });

  it('wrong shapes are 400: bad usernames, short passwords, empty patches, arrays, bad queries', async () => {
    const bad: [Client, string, string, unknown][] = [
      [h.client(), 'POST', '/api/v1/accounts', { username: 'ab', password: PASSWORD }],
      [h.client(), 'POST', '/api/v1/accounts', { username: 'has space', password: PASSWORD }],
      [h.client(), 'POST', '/api/v1/accounts', { username: 'valid_name', password: 'short' }],
      [h.client(), 'POST', '/api/v1/accounts', { username: 'valid_name', password: 'x'.repeat(257) }],
      [h.client(), 'POST', '/api/v1/accounts', [{ username: 'valid_name' }]],
      [client, 'PATCH', '/api/v1/personas/tina_p', {}],
      [client, 'PATCH', '/api/v1/personas/tina_p', { discoverable: 'yes' }],
      [client, 'POST', '/api/v1/personas', { handle: 'ok_handle', displayName: '   ' }],
      [client, 'POST', '/api/v1/personas', { handle: 'ok_handle', displayName: 'bell\u0007' }],
    ];
    for (const [who, method, url, body] of bad) {
      const res = await who.request(method, url, body);
      assert.equal(res.status, 400, `${method} ${url} ${JSON.stringify(body)}`);
      assert.equal(typeof res.body.message, 'string');
    }
    for (const query of ['?limit=0', '?limit=abc', '?sort=created', '?after=a&after=b']) {
      assert.equal((await h.client().get(`/api/v1/directory${query}`)).status, 400, query);
    }
    assert.equal((await h.client().get('/api/v1/search')).status, 400, 'q is required');
  });

  it('bodies over 64 KiB are 413', async () => {
    const res = await client.post('/api/v1/personas', { handle: 'big', displayName: 'Big', summary: 'x'.repeat(70 * 1024) });
    assert.equal(res.status, 413);
    assert.equal(res.body.error, 'payload_too_large');
    const anon = await h.client().post('/api/v1/accounts', { username: 'big_one', password: 'y'.repeat(70 * 1024) });
    assert.equal(anon.status, 413);
  });

  it('no session is 401 on every private route', async () => {
    const anon = h.client();
    const routes: [string, string, unknown?][] = [
      ['GET', '/api/v1/accounts/me'], ['GET', '/api/v1/sessions'], ['DELETE', '/api/v1/sessions/current'],
      ['GET', '/api/v1/personas'], ['POST', '/api/v1/personas', { handle: 'h', displayName: 'H' }],
      ['PATCH', '/api/v1/personas/tina_p', { summary: 'x' }], ['POST', '/api/v1/personas/tina_p/act'],
      ['DELETE', '/api/v1/personas/tina_p', { password: PASSWORD }], ['GET', '/api/v1/personas/tina_p/export'],
      ['DELETE', '/api/v1/accounts/me', { password: PASSWORD }], ['POST', '/api/v1/accounts/me/recovery-codes', { password: PASSWORD }],
    ];
    for (const [method, url, body] of routes) {
      const res = await anon.request(method, url, body);
      assert.deepEqual([res.status, res.body.error], [401, 'not_authenticated'], `${method} ${url}`);
    }
    anon.cookies.set('hearth_session', 'A'.repeat(43));
    assert.equal((await anon.get('/api/v1/personas')).status, 401, 'a made-up token');
  });

  it('leaves other paths to other routers (404 from the app, not from accounts)', async () => {
    const res = await client.post('/api/v1/no-such-thing', {});
    assert.equal(res.status, 404);
    assert.equal(res.body.error, 'not_found');
  });
});
