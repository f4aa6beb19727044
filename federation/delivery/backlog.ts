/** Jobs tracked at most; past this, new ones are not tracked (the gate then only errs on the open side). */
const MAX_TRACKED = 100_000;
/** A job waiting longer than this is a slow or failing host's, not a starved runner's: forgotten. */
const FORGET_MS = 60_000;

/**
 * The jobs this process queued that the runner has not started yet, oldest
 * first, by (activity, inbox): how long the oldest has waited tells whether
 * inbound work starves outbound delivery (ADR 0049). In memory only; jobs
 * of an earlier process, retries and jobs that never start (duplicates,
 * slow hosts) are not counted or age out after a minute.
 */
export class DeliveryBacklog {
  private readonly waiting = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Jobs just stored. */
  added(jobs: readonly { activityId: string; inbox: string }[]): void {
    const at = this.now();
    for (const job of jobs) {
      if (this.waiting.size >= MAX_TRACKED) return;
      const key = keyOf(job);
      if (!this.waiting.has(key)) this.waiting.set(key, at);
    }
  }

  /** A job the runner took into a slot: its wait is over. */
  started(job: { activityId: string; inbox: string }): void {
    this.waiting.delete(keyOf(job));
  }

  /** How long the oldest job still waiting has waited (0 when none). */
  oldestWaitMs(): number {
    const now = this.now();
    for (const [key, at] of this.waiting) {
      if (now - at < FORGET_MS) return now - at;
      this.waiting.delete(key);
    }
    return 0;
  }

  get size(): number {
    return this.waiting.size;
  }
}

function keyOf(job: { activityId: string; inbox: string }): string {
  return `${job.activityId}\n${job.inbox}`;
}
