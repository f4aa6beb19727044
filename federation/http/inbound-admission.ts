import { performance } from 'node:perf_hooks';

/** What {@link InboundAdmission} watches and how long it may hold a request. */
export interface InboundAdmissionOptions {
  /** How long the oldest queued delivery of this process has waited for the runner, in ms. */
  readonly oldestDeliveryWaitMs: () => number;
  /** Past this wait, deliveries count as starved (the server passes `federation.deliveryStarvationSeconds`). */
  readonly maxDeliveryWaitMs: number;
  /** The longest one inbound request is held. Default 1,000 ms. */
  readonly maxHoldMs?: number;
  /** The event loop counts as busy at or above this utilization (0..1). Default 0.9. */
  readonly busyUtilization?: number;
  /** Event-loop utilization of the last window; default: measured with perf_hooks over 100 ms windows. */
  readonly utilization?: () => number;
}

/** How often a held request looks again. */
const RECHECK_MS = 10;
/** The window event-loop utilization is measured over. */
const WINDOW_MS = 100;

/**
 * Holds inbound activities back while outbound deliveries starve (ADR
 * 0049): under a burst the inbox takes every turn of the event loop and the
 * Accepts it queues are sent only after the burst ends, seconds later and
 * more the longer it lasts. A request is held (before any work on it) while
 * the oldest delivery queued by this process has waited more than
 * `maxDeliveryWaitMs` for the runner *and* the event loop is busy; held at
 * most `maxHoldMs`, then served anyway. A slow or hanging remote host makes
 * its own jobs wait but not the event loop busy, so it cannot hold the
 * inbox back on its own.
 */
export class InboundAdmission {
  private readonly maxWait: number;
  private readonly maxHold: number;
  private readonly busyAt: number;
  private readonly utilization: () => number;
  /** Requests held right now (for tests and logs). */
  held = 0;

  constructor(private readonly options: InboundAdmissionOptions) {
    this.maxWait = options.maxDeliveryWaitMs;
    this.maxHold = options.maxHoldMs ?? 1000;
    this.busyAt = options.busyUtilization ?? 0.9;
    this.utilization = options.utilization ?? loopUtilization();
  }

  /** Whether a request arriving now would be held. */
  shouldHold(): boolean {
    return this.options.oldestDeliveryWaitMs() > this.maxWait && this.utilization() >= this.busyAt;
  }

  /** Resolves when the request may go on (at once in the common case). */
  async admit(): Promise<void> {
    if (!this.shouldHold()) return;
    const until = performance.now() + this.maxHold;
    this.held += 1;
    try {
      do await new Promise((resolve) => setTimeout(resolve, RECHECK_MS));
      while (performance.now() < until && this.shouldHold());
    } finally {
      this.held -= 1;
    }
  }
}

/** Event-loop utilization over the last completed window of WINDOW_MS (computed lazily). */
function loopUtilization(): () => number {
  let mark = performance.eventLoopUtilization();
  let at = performance.now();
  let value = 0;
  return () => {
    const now = performance.now();
    if (now - at >= WINDOW_MS) {
      const current = performance.eventLoopUtilization();
      value = performance.eventLoopUtilization(current, mark).utilization;
      mark = current;
      at = now;
    }
    return value;
  };
}
