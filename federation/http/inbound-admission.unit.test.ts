import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DeliveryBacklog } from '../delivery/backlog.js';
import { InboundAdmission } from './inbound-admission.js';

const job = (n: number): { activityId: string; inbox: string } => ({ activityId: `https://here.example/a/${n}`, inbox: 'https://there.example/inbox' });

void describe('DeliveryBacklog', () => {
  void it('answers how long the oldest job not started yet has waited; a started job stops counting', () => {
    let now = 1_000;
    const backlog = new DeliveryBacklog(() => now);
    assert.equal(backlog.oldestWaitMs(), 0);
    backlog.added([job(1)]);
    now += 500;
    backlog.added([job(2), job(1)]);
    now += 1_000;
    assert.equal(backlog.oldestWaitMs(), 1_500);
    backlog.started(job(1));
    assert.equal(backlog.oldestWaitMs(), 1_000);
    backlog.started(job(2));
    assert.equal(backlog.oldestWaitMs(), 0);
  });

  void it('forgets a job that waited a minute (a slow host, a duplicate that never starts)', () => {
    let now = 0;
    const backlog = new DeliveryBacklog(() => now);
    backlog.added([job(1)]);
    now = 30_000;
    backlog.added([job(2)]);
    now = 61_000;
    assert.equal(backlog.oldestWaitMs(), 31_000);
    assert.equal(backlog.size, 1);
  });
});

void describe('InboundAdmission', () => {
  void it('holds a request while deliveries starve and the loop is busy, and lets it go once they caught up', async () => {
    let wait = 5_000;
    const gate = new InboundAdmission({ maxDeliveryWaitMs: 2_000, oldestDeliveryWaitMs: () => wait, utilization: () => 1, maxHoldMs: 5_000 });
    let admitted = false;
    const done = gate.admit().then(() => { admitted = true; });
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(admitted, false, 'held while the oldest delivery waited 5 s on a busy loop');
    assert.equal(gate.held, 1);
    wait = 100;
    await done;
    assert.equal(gate.held, 0);
  });

  void it('does not hold while the loop has room, however long a delivery waited (a slow host cannot hold the inbox)', async () => {
    const gate = new InboundAdmission({ maxDeliveryWaitMs: 2_000, oldestDeliveryWaitMs: () => 50_000, utilization: () => 0.3 });
    assert.equal(gate.shouldHold(), false);
    const t0 = performance.now();
    await gate.admit();
    assert.ok(performance.now() - t0 < 50);
  });

  void it('does not hold while no delivery waited past the bound', () => {
    const gate = new InboundAdmission({ maxDeliveryWaitMs: 2_000, oldestDeliveryWaitMs: () => 1_999, utilization: () => 1 });
    assert.equal(gate.shouldHold(), false);
  });

  void it('holds one request at most maxHoldMs', async () => {
    const gate = new InboundAdmission({ maxDeliveryWaitMs: 2_000, oldestDeliveryWaitMs: () => 10_000, utilization: () => 1, maxHoldMs: 120 });
    const t0 = performance.now();
    await gate.admit();
    const held = performance.now() - t0;
    assert.ok(held >= 110 && held < 1_000, `held ${held} ms`);
  });
});
