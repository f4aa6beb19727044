/**
 * Timers that start scheduled rooms at their time. One timer per room; a
 * start far in the future is re-checked every `capMs` instead of one long
 * timer, because setTimeout overflows above 2^31-1 ms (~24.8 days) and would
 * then fire at once.
 */

/** The longest single timer: far-future starts are re-checked at this interval. */
export const MAX_SCHEDULE_TIMER_MS = 60 * 60_000;

/** How long to wait before looking at a start due at `at` again (never negative, never above `capMs`). */
export function scheduleDelay(at: number, now: number, capMs = MAX_SCHEDULE_TIMER_MS): number {
  return Math.min(Math.max(0, at - now), capMs);
}

export interface RoomScheduleDeps {
  now: () => number;
  /** The room's time has come (called once per arming, from a timer). */
  due(roomId: string): void;
  capMs?: number;
}

export class RoomSchedule {
  readonly #timers = new Map<string, { timer: NodeJS.Timeout; delayMs: number }>();
  readonly #deps: RoomScheduleDeps;
  readonly #capMs: number;

  constructor(deps: RoomScheduleDeps) {
    this.#deps = deps;
    this.#capMs = Math.min(deps.capMs ?? MAX_SCHEDULE_TIMER_MS, MAX_SCHEDULE_TIMER_MS);
  }

  /** (Re)arms the start of a room; a past time is due at the next turn of the event loop. */
  arm(roomId: string, at: Date): void {
    this.cancel(roomId);
    const delayMs = scheduleDelay(at.getTime(), this.#deps.now(), this.#capMs);
    const timer = setTimeout(() => {
      this.#timers.delete(roomId);
      if (this.#deps.now() >= at.getTime()) this.#deps.due(roomId);
      else this.arm(roomId, at);
    }, delayMs);
    timer.unref();
    this.#timers.set(roomId, { timer, delayMs });
  }

  cancel(roomId: string): void {
    const armed = this.#timers.get(roomId);
    if (armed) clearTimeout(armed.timer);
    this.#timers.delete(roomId);
  }

  /** The delay of a room's armed timer, if any (tests, metrics). */
  delayOf(roomId: string): number | undefined {
    return this.#timers.get(roomId)?.delayMs;
  }

  clear(): void {
    for (const { timer } of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
  }
}
