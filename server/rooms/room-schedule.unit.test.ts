/** Scheduled-start timers, on node:test's mocked setTimeout (no real waiting). */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { MAX_SCHEDULE_TIMER_MS, RoomSchedule, scheduleDelay } from './room-schedule.js';

const DAY = 24 * 60 * 60_000;
const TIMER_LIMIT = 2 ** 31 - 1;

describe('room schedule', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout'] }));
  afterEach(() => mock.timers.reset());

  it('caps the delay, never negative', () => {
    assert.equal(scheduleDelay(1_000, 400), 600);
    assert.equal(scheduleDelay(1_000, 5_000), 0);
    assert.equal(scheduleDelay(365 * DAY, 0), MAX_SCHEDULE_TIMER_MS);
    assert.ok(MAX_SCHEDULE_TIMER_MS <= TIMER_LIMIT);
  });

  it('a start 100 days ahead arms no oversized timer and re-checks until it is due', () => {
    let now = 0;
    const due: string[] = [];
    const schedule = new RoomSchedule({ now: () => now, due: (id) => due.push(id) });
    schedule.arm('far', new Date(100 * DAY));
    const delay = schedule.delayOf('far');
    assert.ok(delay !== undefined && delay <= MAX_SCHEDULE_TIMER_MS && delay <= TIMER_LIMIT, `delay ${String(delay)}`);
    now += MAX_SCHEDULE_TIMER_MS;
    mock.timers.tick(MAX_SCHEDULE_TIMER_MS);
    assert.deepEqual(due, [], 'not due yet');
    assert.equal(schedule.delayOf('far'), MAX_SCHEDULE_TIMER_MS, 're-armed');
    now = 100 * DAY - 1_000;
    mock.timers.tick(MAX_SCHEDULE_TIMER_MS);
    assert.equal(schedule.delayOf('far'), 1_000, 'the last stretch is exact');
    now += 1_000;
    mock.timers.tick(1_000);
    assert.deepEqual(due, ['far']);
    assert.equal(schedule.delayOf('far'), undefined);
  });

  it('cancels and clears armed starts', () => {
    const due: string[] = [];
    const schedule = new RoomSchedule({ now: () => 0, due: (id) => due.push(id) });
    schedule.arm('a', new Date(1_000));
    schedule.arm('b', new Date(2_000));
    schedule.cancel('a');
    mock.timers.tick(1_500);
    assert.deepEqual(due, []);
    schedule.clear();
    mock.timers.tick(5_000);
    assert.deepEqual(due, []);
    assert.equal(schedule.delayOf('b'), undefined);
  });
});
