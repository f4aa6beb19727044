import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_RESTART_BACKOFF, RestartBackoff } from './restart-backoff.js';

void describe('RestartBackoff', () => {
  void it('starts at 250 ms and doubles up to a 30 s cap with the default policy', () => {
    const backoff = new RestartBackoff(DEFAULT_RESTART_BACKOFF);
    const delays = Array.from({ length: 10 }, (_, i) => backoff.nextDelay(i));
    assert.deepEqual(delays, [250, 500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000]);
  });

  void it('keeps doubling when the replacement dies before the reset period', () => {
    const backoff = new RestartBackoff(DEFAULT_RESTART_BACKOFF);
    assert.equal(backoff.nextDelay(0), 250);
    backoff.markUp(1_000);
    assert.equal(backoff.nextDelay(1_000 + 59_999), 500);
  });

  void it('starts over once a replacement has stayed up for the reset period', () => {
    const backoff = new RestartBackoff(DEFAULT_RESTART_BACKOFF);
    backoff.nextDelay(0);
    backoff.nextDelay(0);
    assert.equal(backoff.nextDelay(0), 1000);
    backoff.markUp(10_000);
    assert.equal(backoff.nextDelay(10_000 + 60_000), 250);
  });

  void it('does not reset on a failed spawn, which never marks the slot up', () => {
    const backoff = new RestartBackoff(DEFAULT_RESTART_BACKOFF);
    assert.equal(backoff.nextDelay(0), 250);
    assert.equal(backoff.nextDelay(1_000_000), 500);
  });

  void it('rejects a policy that could spin or never grow', () => {
    assert.throws(() => new RestartBackoff({ initialMs: 0, maxMs: 10, resetAfterMs: 10 }), RangeError);
    assert.throws(() => new RestartBackoff({ initialMs: 100, maxMs: 10, resetAfterMs: 10 }), RangeError);
  });
});
