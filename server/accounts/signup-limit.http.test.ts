import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PASSWORD, startHarness, type Answer, type Client, type Harness } from '../../test/helpers/accounts-harness.js';

/** A client that says it comes from `ip` (the harness trusts one proxy). */
function from(h: Harness, ip: string): Client {
  const client = h.client();
  client.headers = { 'x-forwarded-for': ip };
  return client;
}

const signUp = (client: Client, username: string): Promise<Answer> =>
  client.post('/api/v1/accounts', { username, password: PASSWORD });

function assertLimited(res: Answer, maxSeconds: number): void {
  assert.equal(res.status, 429, JSON.stringify(res.body));
  assert.equal(res.body.error, 'signup_rate_limited');
  assert.match(String(res.body.message), /try again in \d+ seconds/);
  const retryAfter = Number(res.headers.get('retry-after'));
  assert.ok(Number.isInteger(retryAfter) && retryAfter > 0 && retryAfter <= maxSeconds, `Retry-After ${res.headers.get('retry-after')}`);
}

describe('sign-up rate limiting (HTTP)', () => {
  let h: Harness;
  before(async () => (h = await startHarness({ trustProxy: 1, signup: { perClientPerHour: 3, perHour: 8 } })));
  after(() => h.close());

  it('pauses one address after its sign-ups with 429 and Retry-After; other addresses go on', async () => {
    const client = from(h, '198.51.100.1');
    for (const name of ['ada', 'bea', 'cyd']) assert.equal((await signUp(client, name)).status, 201);
    const fourth = await signUp(client, 'dot');
    assertLimited(fourth, 3600);
    assert.equal(await h.store.accounts.findByUsername('dot'), undefined, 'a refused sign-up creates nothing');
    assert.equal((await signUp(from(h, '198.51.100.2'), 'dot')).status, 201, 'another address is not paused');
  });

  it('throttles probes of taken usernames like sign-ups, so they cannot enumerate', async () => {
    const prober = from(h, '203.0.113.5');
    for (let i = 0; i < 3; i++) {
      const taken = await signUp(prober, 'ada');
      assert.equal(taken.status, 409);
      assert.equal(taken.body.error, 'username_taken');
    }
    // Once paused, a taken and a free name get the same answer: the 429 tells nothing.
    assertLimited(await signUp(prober, 'ada'), 3600);
    assertLimited(await signUp(prober, 'never_registered'), 3600);
  });

  it('limits sign-ups from all addresses together', async () => {
    // 4 sign-ups and 3 probes counted so far, of 8 per hour.
    assert.equal((await signUp(from(h, '192.0.2.1'), 'eve')).status, 201);
    assertLimited(await signUp(from(h, '192.0.2.2'), 'fay'), 3600);
    assertLimited(await signUp(from(h, '192.0.2.3'), 'ada'), 3600);
  });

  it('lets an address sign up again once its hour has passed', async () => {
    const client = from(h, '198.51.100.1');
    assertLimited(await signUp(client, 'gus'), 3600);
    h.clock.offsetMs = 61 * 60_000;
    assert.equal((await signUp(client, 'gus')).status, 201);
  });
});
