import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { splitPortRange } from './port-range.js';

void describe('splitPortRange', () => {
  void it('splits a range into contiguous, disjoint parts that cover it exactly', () => {
    assert.deepEqual(splitPortRange({ min: 40000, max: 49999 }, 4), [
      { min: 40000, max: 42499 },
      { min: 42500, max: 44999 },
      { min: 45000, max: 47499 },
      { min: 47500, max: 49999 },
    ]);
  });

  void it('gives the remainder to the first parts, one port each', () => {
    assert.deepEqual(splitPortRange({ min: 100, max: 109 }, 3), [
      { min: 100, max: 103 },
      { min: 104, max: 106 },
      { min: 107, max: 109 },
    ]);
  });

  void it('allows one port per part but not fewer', () => {
    assert.deepEqual(splitPortRange({ min: 5000, max: 5001 }, 2), [
      { min: 5000, max: 5000 },
      { min: 5001, max: 5001 },
    ]);
    assert.throws(() => splitPortRange({ min: 5000, max: 5001 }, 3), RangeError);
  });

  void it('rejects inverted, out-of-bounds and zero-part inputs', () => {
    assert.throws(() => splitPortRange({ min: 6000, max: 5000 }, 1), RangeError);
    assert.throws(() => splitPortRange({ min: 0, max: 5000 }, 1), RangeError);
    assert.throws(() => splitPortRange({ min: 5000, max: 70000 }, 1), RangeError);
    assert.throws(() => splitPortRange({ min: 5000, max: 6000 }, 0), RangeError);
    assert.throws(() => splitPortRange({ min: 5000, max: 6000 }, 1.5), RangeError);
  });
});
