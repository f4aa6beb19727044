import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_THROTTLE_LIMITS, LoginThrottle } from './login-throttle.js';

function fakeClock(): { now: () => number; advance(ms: number): void } {
  let t = 1_700_000_000_000;
  return { now: () => t, advance: (ms) => (t += ms) };
}

const WINDOW = DEFAULT_THROTTLE_LIMITS.windowMs;

describe('failed-login throttle (fake clock)', () => {
  it('locks an (account, client) pair after 5 failures, and the pause ends by itself', () => {
    const clock = fakeClock();
    const t = new LoginThrottle(DEFAULT_THROTTLE_LIMITS, clock.now);
    const a = { account: 'alice', ip: '203.0.113.1' };
    for (let i = 0; i < 5; i++) {
      assert.equal(t.retryAfterSeconds(a), 0, `attempt ${i + 1} allowed`);
      t.recordFailure(a);
      clock.advance(1000);
    }
    const wait = t.retryAfterSeconds(a);
    assert.ok(wait > 0 && wait <= WINDOW / 1000, `wait ${wait}`);
    assert.equal(t.retryAfterSeconds({ account: 'alice', ip: '203.0.113.2' }), 0, 'another client is not paused');
    assert.equal(t.retryAfterSeconds({ account: 'bob', ip: '203.0.113.1' }), 0, 'another account is not paused');
    clock.advance(wait * 1000);
    assert.equal(t.retryAfterSeconds(a), 0, 'the pause is over');
  });

  it('locks an account across clients after 20 failures, with a cool-down that ends by itself', () => {
    const clock = fakeClock();
    const t = new LoginThrottle(DEFAULT_THROTTLE_LIMITS, clock.now);
    for (let i = 0; i < 20; i++) t.recordFailure({ account: 'alice', ip: `198.51.100.${i}` });
    const stranger = { account: 'alice', ip: '192.0.2.99' };
    assert.ok(t.retryAfterSeconds(stranger) > 0, 'a new client is cooled down too');
    assert.equal(t.retryAfterSeconds({ ...stranger, device: 'known-device-nonce' }), 0, 'a known device is exempt');
    clock.advance(WINDOW);
    assert.equal(t.retryAfterSeconds(stranger), 0, 'the cool-down ended by itself');
  });

  it('gives a known device its own bucket, even behind the attacker\'s address', () => {
    const clock = fakeClock();
    const t = new LoginThrottle(DEFAULT_THROTTLE_LIMITS, clock.now);
    for (let i = 0; i < 60; i++) t.recordFailure({ account: 'alice', ip: '203.0.113.7' });
    assert.ok(t.retryAfterSeconds({ account: 'alice', ip: '203.0.113.7' }) > 0);
    assert.equal(t.retryAfterSeconds({ account: 'alice', ip: '203.0.113.7', device: 'owner' }), 0);
    // The owner's own typos only pause the owner's device.
    for (let i = 0; i < 5; i++) t.recordFailure({ account: 'alice', ip: '203.0.113.7', device: 'owner' });
    assert.ok(t.retryAfterSeconds({ account: 'alice', ip: '203.0.113.7', device: 'owner' }) > 0);
    assert.equal(t.retryAfterSeconds({ account: 'alice', ip: '203.0.113.8', device: 'other-device' }), 0);
  });

  it('limits one client spraying many accounts', () => {
    const clock = fakeClock();
    const t = new LoginThrottle(DEFAULT_THROTTLE_LIMITS, clock.now);
    for (let i = 0; i < DEFAULT_THROTTLE_LIMITS.perClient; i++) t.recordFailure({ account: `user${i}`, ip: '203.0.113.9' });
    assert.ok(t.retryAfterSeconds({ account: 'fresh', ip: '203.0.113.9' }) > 0);
    assert.equal(t.retryAfterSeconds({ account: 'fresh', ip: '203.0.113.10' }), 0);
  });

  it('forgives the pair after a success, and recovery attempts do not lock the account', () => {
    const clock = fakeClock();
    const t = new LoginThrottle(DEFAULT_THROTTLE_LIMITS, clock.now);
    const a = { account: 'alice', ip: '203.0.113.1' };
    for (let i = 0; i < 4; i++) t.recordFailure(a);
    t.recordSuccess(a);
    t.recordFailure(a);
    assert.equal(t.retryAfterSeconds(a), 0, 'only one failure counts after the success');
    for (let i = 0; i < 30; i++) t.recordFailure({ account: 'carol', ip: `198.51.100.${i}` }, 'recovery');
    assert.equal(t.retryAfterSeconds({ account: 'carol', ip: '192.0.2.1' }), 0, 'no per-account lock from recovery attempts');
  });
});
