import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { minimumGap, spreadDelays } from './deletion-schedule.js';

describe('deletion schedule', () => {
  it('spreads delays over the window, a minimum gap apart, in random order', () => {
    const window = 600_000;
    const orders = new Set<string>();
    for (let run = 0; run < 200; run++) {
      const delays = spreadDelays(4, window);
      assert.equal(delays.length, 4);
      for (const d of delays) assert.ok(d >= 0 && d <= window, `${d} outside the window`);
      const sorted = [...delays].sort((a, b) => a - b);
      for (let i = 1; i < sorted.length; i++) {
        assert.ok((sorted[i] ?? 0) - (sorted[i - 1] ?? 0) >= minimumGap(4, window) - 1, `delays ${sorted.join(', ')} too close`);
      }
      orders.add(delays.map((d) => sorted.indexOf(d)).join());
    }
    assert.ok(orders.size > 10, 'the order of the delays does not follow the order of the personas');
  });

  it('answers one delay anywhere in the window, zeros for an empty window, nothing for nobody', () => {
    const always = (): number => 0.5;
    assert.deepEqual(spreadDelays(1, 1000, always), [500]);
    assert.deepEqual(spreadDelays(3, 0), [0, 0, 0]);
    assert.deepEqual(spreadDelays(0, 1000), []);
    assert.equal(minimumGap(3, 12_000), 2000);
  });
});
