import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CoarseCount, roundUp } from './coarse-count.js';

describe('coarse public counts', () => {
  it('rounds up to the step, 0 staying 0', () => {
    assert.deepEqual([0, 1, 9, 10, 11, 25].map((n) => roundUp(n, 10)), [0, 10, 10, 10, 20, 30]);
  });

  it('reads the real count at most once per period', async () => {
    let real = 23;
    let reads = 0;
    let now = 0;
    const count = new CoarseCount(() => {
      reads++;
      return Promise.resolve(real);
    }, { refreshMs: 3_600_000, step: 10, now: () => now });
    assert.equal(await count.value(), 30);
    real = 20; // an account with three personas was deleted
    now = 3_599_999;
    assert.equal(await count.value(), 30, 'not before the hour is over');
    assert.equal(reads, 1);
    now = 3_600_000;
    assert.equal(await count.value(), 20);
    assert.equal(reads, 2);
  });
});
