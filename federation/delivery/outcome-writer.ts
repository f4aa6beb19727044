import type { ClaimedDeliveryJob, DeliveryOutcome, DeliveryRepository, DeliverySettlement, HostsClaim } from '../../server/store/index.js';

/**
 * The runner's side of a flush: which jobs to claim in the same transaction
 * for the slots the ended posts free, and what to do with them.
 */
export interface Refill {
  /** Called just before the flush is written, with the host and outcome of each post it ends. */
  plan(ended: readonly { host: string; outcome: DeliveryOutcome }[]): HostsClaim | undefined;
  /** The jobs claimed with the flush, once it is stored (before its writers are answered). */
  claimed(jobs: ClaimedDeliveryJob[]): void;
}

interface Pending {
  readonly host: string;
  readonly settlement: DeliverySettlement;
  /** The host answered (2xx or a final 4xx): its health is cleared in the same flush. */
  readonly answered: { host: string; at: Date } | undefined;
  resolve(result: { settled: boolean; hostWasUnavailable: boolean }): void;
  reject(error: unknown): void;
}

/**
 * Writes the outcomes of delivery attempts in groups: every outcome that
 * comes back in the same turn of the event loop is settled in one call of
 * `settleMany` (one synced commit on SQLite instead of one per delivery),
 * then the hosts that answered in one `recordHostSuccesses`. Each caller's
 * promise answers only after its outcome is stored, so a delivery is never
 * reported done before it is durable; a crash before the flush loses the
 * outcome, not the job (its lease runs out and it is posted again: at least once).
 * With a {@link Refill}, the jobs that take the freed slots are claimed in the
 * same transaction as the outcomes (ADR 0052): one commit per round, not two.
 */
export class OutcomeWriter {
  private pending: Pending[] = [];
  private scheduled = false;
  private flushing: Promise<void> = Promise.resolve();

  constructor(private readonly repository: DeliveryRepository, private readonly refill?: Refill) {}

  /** Stores one outcome with the next flush; answers whether the lease still held, and whether the answering host had been unavailable. */
  write(job: { id: string; claim: string; host: string }, outcome: DeliveryOutcome, answered?: { host: string; at: Date }): Promise<{ settled: boolean; hostWasUnavailable: boolean }> {
    return new Promise((resolve, reject) => {
      this.pending.push({ host: job.host, settlement: { id: job.id, claim: job.claim, outcome }, answered, resolve, reject });
      if (this.scheduled) return;
      this.scheduled = true;
      // After the I/O callbacks of this turn: the answers that arrived together are written together.
      setImmediate(() => {
        this.flushing = this.flushing.then(() => this.flush());
      });
    });
  }

  private async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    this.scheduled = false;
    if (batch.length === 0) return;
    try {
      const settlements = batch.map((p) => p.settlement);
      const refill = this.refill?.plan(batch.map((p) => ({ host: p.host, outcome: p.settlement.outcome })));
      let settled: boolean[];
      if (refill !== undefined && refill.hosts.length > 0) {
        const result = await this.repository.settleAndClaim(settlements, refill);
        settled = result.settled;
        this.refill?.claimed(result.claimed);
      } else {
        settled = await this.repository.settleMany(settlements);
      }
      const answered = batch.flatMap((p) => (p.answered ? [p.answered] : []));
      const latest = answered.reduce((max, a) => (a.at > max ? a.at : max), new Date(0));
      const wereUnavailable = new Set(answered.length > 0 ? await this.repository.recordHostSuccesses(answered.map((a) => a.host), latest) : []);
      batch.forEach((p, i) => {
        // Reported once per host.
        const host = p.answered?.host;
        const hostWasUnavailable = host !== undefined && wereUnavailable.delete(host);
        p.resolve({ settled: settled[i] === true, hostWasUnavailable });
      });
    } catch (error) {
      for (const p of batch) p.reject(error);
    }
  }
}
