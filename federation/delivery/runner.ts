import { randomUUID } from 'node:crypto';
import type { Logger } from '../../server/core/logging/logger.js';
import type { ClaimedDeliveryJob, DeliveryOutcome, DeliveryRepository, HostsClaim } from '../../server/store/index.js';
import { OutcomeWriter } from './outcome-writer.js';
import { shareSlots } from './share.js';
import { judgeAttempt, nextAttemptAt, parseRetryAfter } from './schedule.js';
import type { Clock, DeliveryHttpClient, DeliveryOptions, DeliverySigner } from './types.js';

/** Hosts remembered as answering, at most (the oldest is forgotten first). */
const MAX_PROVEN_HOSTS = 10_000;
/** Extra queries per fill for hosts behind ones passed over (see fill). */
const MAX_PASSES = 4;
/** A post unanswered this long is stuck: it stops counting against `maxInFlight` (up to as many again) and its host gets one slot. */
const STUCK_MS = 3_000;
/** A host whose attempt failed (timeout, network error, 5xx) waits this long before its next one, doubling per failure... */
const HOST_COOLDOWN_MS = 1_000;
/** ...up to this. */
const MAX_HOST_COOLDOWN_MS = 60_000;

/** What deliveries are sent as. */
const ACTIVITY_CONTENT_TYPE = 'application/activity+json';

/** The runner's collaborators, built by {@link DeliveryQueue}. */
export interface RunnerDeps {
  readonly repository: DeliveryRepository;
  readonly http: DeliveryHttpClient;
  readonly sign: DeliverySigner;
  readonly clock: Clock;
  readonly random: () => number;
  readonly log: Logger;
  readonly options: DeliveryOptions;
  /** Hosts moderators cut off: their claimed jobs are failed, never posted. */
  readonly isBlockedHost?: (host: string) => boolean;
  /** Called after a job of a receipt ended (its private key was erased), e.g. to checkpoint the store. */
  readonly afterReceiptJobEnded?: () => Promise<void>;
  /** Called when a claimed job is taken into a slot (see DeliveryBacklog). */
  readonly onStart?: (job: ClaimedDeliveryJob) => void;
}

/**
 * Takes due jobs from the repository and posts them, at most `maxInFlight`
 * at once and `maxPerHost` per host (one for a host that has not answered
 * yet or last failed, see capOf). Each claim leases the jobs in the store,
 * so a job whose runner died is claimed again once its lease runs out
 * (at-least-once). One pump at a time fills the free slots; it runs on
 * start, on `kick()` (enqueue, a finished attempt) and every poll interval.
 */
export class DeliveryRunner {
  private running = false;
  private pumping = false;
  private again = false;
  private pumpDone: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private soon: NodeJS.Immediate | undefined;
  private lastHousekeeping = Number.NEGATIVE_INFINITY;
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly perHost = new Map<string, number>();
  /** Hosts whose last attempt was answered (2xx or a final 4xx), most recent last. */
  private readonly proven = new Map<string, true>();
  /** When each post in flight began, and to which host (by the same key as inFlight). */
  private readonly began = new Map<string, { host: string; at: number }>();
  /** Hosts whose last attempt failed: not tried again before `until`. */
  private readonly coolDown = new Map<string, { until: number; failures: number }>();
  /** Whether the last fill may have left a due host without a slot (see refillPlan). */
  private othersWaiting = true;

  private readonly outcomes: OutcomeWriter;

  constructor(private readonly deps: RunnerDeps) {
    this.outcomes = new OutcomeWriter(deps.repository, {
      plan: (ended) => this.refillPlan(ended),
      claimed: (jobs) => {
        // After stop() nothing more is posted: these jobs' leases run out and they are claimed again.
        if (this.running) for (const job of jobs) this.launch(job, false);
      },
    });
  }

  /** Deliveries being posted right now. */
  get inFlightCount(): number {
    return this.inFlight.size;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.kick();
  }

  /** Looks for due jobs now (coalesced: one pump at a time, re-run if kicked meanwhile). */
  kick(): void {
    if (!this.running) return;
    this.again = true;
    if (this.pumping) return;
    this.pumping = true;
    this.pumpDone = this.pump();
  }

  /**
   * kick() after this turn: every attempt whose outcome was written in the
   * same flush frees its slot first, so one fill (one claim) serves them all.
   */
  private kickSoon(): void {
    if (this.soon !== undefined || !this.running) return;
    this.soon = setImmediate(() => {
      this.soon = undefined;
      this.kick();
    });
  }

  /**
   * Stops claiming, then waits up to `stopTimeoutMs` for the posts in flight.
   * Posts still running after that keep their leases: their jobs are claimed
   * again once the leases run out, so nothing is lost.
   */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    clearTimeout(this.timer);
    clearImmediate(this.soon);
    this.soon = undefined;
    await this.pumpDone;
    if (this.inFlight.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      Promise.allSettled([...this.inFlight.values()]).then(() => false),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), this.deps.options.stopTimeoutMs))),
    ]);
    clearTimeout(timer);
    if (timedOut) {
      this.deps.log.warn({ inFlight: this.inFlight.size }, 'stopped with deliveries in flight; they are retried when their leases run out');
    }
  }

  private async pump(): Promise<void> {
    for (;;) {
      this.again = false;
      try {
        await this.fill();
      } catch (error) {
        this.deps.log.error({ err: error }, 'delivery runner could not claim jobs');
      }
      if (!this.again || !this.running) break;
    }
    // No await between the check above and here: a kick() cannot slip through unseen.
    this.pumping = false;
    if (this.running) {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.kick(), this.deps.options.pollIntervalMs);
      // The runner alone does not keep the process alive.
      this.timer.unref();
    }
  }

  private async fill(): Promise<void> {
    const { repository, options, clock } = this.deps;
    const now = clock.now();
    // Stuck posts (hanging or crawling hosts) make room for others, up to twice maxInFlight in all.
    const stuck = this.stuckHosts(now.getTime());
    const fresh = this.inFlight.size - [...stuck.values()].reduce((n, c) => n + c, 0);
    let free = Math.min(options.maxInFlight - fresh, 2 * options.maxInFlight - this.inFlight.size);
    if (now.getTime() - this.lastHousekeeping >= options.housekeepingIntervalMs) {
      this.lastHousekeeping = now.getTime();
      free -= await this.housekeeping(now, free);
    }
    // Hosts passed over for the unproven share: asked for again without them, a few times per fill,
    // so a healthy host behind many hostile ones is still reached.
    const passedOver: string[] = [];
    this.othersWaiting = true;
    for (let pass = 0; free > 0 && this.running && pass < MAX_PASSES; ) {
      const exclude = [
        ...[...this.perHost].filter(([host, n]) => n >= this.capOf(host, stuck)).map(([host]) => host),
        ...[...this.coolDown].filter(([, c]) => c.until > now.getTime()).map(([host]) => host),
        ...passedOver,
      ];
      // More hosts than slots: hosts not proven yet, further down the order, are started first (see shareSlots).
      const hosts = await repository.dueHosts({ now, exclude, limit: free + this.unprovenCap() });
      if (hosts.length === 0) {
        // Every due host is served, full, cooling down or passed over for the unproven share.
        this.othersWaiting = passedOver.length > 0;
        break;
      }
      // Every host's share of this pass (spread over as many hosts as possible), claimed in one call:
      // one synced commit on SQLite.
      const { wanted, passedOver: skippedNow } = shareSlots(
        hosts.map((host) => ({ host, room: this.capOf(host, stuck) - (this.perHost.get(host) ?? 0), proven: this.proven.has(host) })),
        free,
        this.unprovenCap() - this.unprovenInFlight(),
      );
      passedOver.push(...skippedNow);
      const skipped = skippedNow.length;
      const jobs = wanted.length > 0 && this.running
        ? await repository.claimHosts({ hosts: wanted, now, leaseUntil: this.leaseUntil(now), claim: randomUUID() })
        : [];
      for (const job of jobs) this.launch(job, false);
      free -= jobs.length;
      if (jobs.length === 0 && skipped === 0) break;
      if (jobs.length === 0) pass += 1;
    }
  }

  /**
   * Slow start (ADR 0043): a host gets `maxPerHost` posts at once only after
   * it answered one; until then, or again after a timeout, network error or
   * 5xx, or while one of its posts is stuck, it gets one. Hosts in that
   * state share at most half of `maxInFlight`, so hosts that hang or crawl
   * can never hold every slot.
   */
  private capOf(host: string, stuck: ReadonlyMap<string, number>): number {
    return this.proven.has(host) && !stuck.has(host) ? this.deps.options.maxPerHost : 1;
  }

  /** Hosts with posts in flight for longer than STUCK_MS, and how many. */
  private stuckHosts(now: number): Map<string, number> {
    const stuck = new Map<string, number>();
    for (const { host, at } of this.began.values()) if (now - at >= STUCK_MS) stuck.set(host, (stuck.get(host) ?? 0) + 1);
    return stuck;
  }

  /**
   * The jobs to claim in the same transaction as a flush of outcomes (ADR
   * 0052): for each proven host whose posts ended with an answer, as many of
   * its due jobs as it frees slots, within its cap. Only when that cannot
   * take a slot from another host: no fill is running, the last fill left no
   * due host waiting, and at least one slot stays free after it (a host that
   * became due since is served by the fill that follows every flush).
   */
  private refillPlan(ended: readonly { host: string; outcome: DeliveryOutcome }[]): HostsClaim | undefined {
    if (!this.running || this.pumping || this.othersWaiting) return undefined;
    const now = this.deps.clock.now();
    const stuck = this.stuckHosts(now.getTime());
    let free = this.deps.options.maxInFlight - (this.inFlight.size - ended.length) - 1;
    const freed = new Map<string, number>();
    for (const { host, outcome } of ended) if (outcome.state !== 'pending') freed.set(host, (freed.get(host) ?? 0) + 1);
    const hosts: { host: string; limit: number }[] = [];
    for (const [host, n] of freed) {
      if (free <= 0) break;
      if (!this.proven.has(host) || stuck.has(host) || (this.coolDown.get(host)?.until ?? 0) > now.getTime()) continue;
      if (this.deps.isBlockedHost?.(host)) continue;
      const limit = Math.min(n, free, this.capOf(host, stuck) - ((this.perHost.get(host) ?? 0) - n));
      if (limit <= 0) continue;
      hosts.push({ host, limit });
      free -= limit;
    }
    return hosts.length > 0 ? { hosts, now, leaseUntil: this.leaseUntil(now), claim: randomUUID() } : undefined;
  }

  /** A failed attempt: the host waits before its next one (all its jobs, not each on its own). */
  private hostFailed(host: string, now: Date): void {
    const failures = (this.coolDown.get(host)?.failures ?? 0) + 1;
    this.coolDown.delete(host);
    if (this.coolDown.size >= MAX_PROVEN_HOSTS) {
      const oldest = this.coolDown.keys().next();
      if (!oldest.done) this.coolDown.delete(oldest.value);
    }
    const wait = Math.min(MAX_HOST_COOLDOWN_MS, HOST_COOLDOWN_MS * 2 ** Math.min(failures - 1, 16));
    this.coolDown.set(host, { until: now.getTime() + wait, failures });
    this.setProven(host, false);
  }

  private unprovenCap(): number {
    return Math.max(1, Math.floor(this.deps.options.maxInFlight / 2));
  }

  private unprovenInFlight(): number {
    let n = 0;
    for (const [host, count] of this.perHost) if (!this.proven.has(host)) n += count;
    return n;
  }

  private setProven(host: string, proven: boolean): void {
    this.proven.delete(host);
    if (proven) this.coolDown.delete(host);
    if (!proven) return;
    if (this.proven.size >= MAX_PROVEN_HOSTS) {
      const oldest = this.proven.keys().next();
      if (!oldest.done) this.proven.delete(oldest.value);
    }
    this.proven.set(host, true);
  }

  /** Expires old jobs, purges old rows, probes unavailable hosts; answers the slots the probes took. */
  private async housekeeping(now: Date, free: number): Promise<number> {
    const { repository, options, log } = this.deps;
    const expired = await repository.expire({
      // The last retry is scheduled at the deadline itself: leave it a lease's time to happen.
      createdBefore: new Date(now.getTime() - options.retry.maxAgeMs - options.leaseMs),
      now,
      error: 'expired: not delivered within the retry window',
    });
    if (expired > 0) log.info({ expired }, 'delivery jobs expired');
    await repository.purge({
      endedBefore: new Date(now.getTime() - options.endedRetentionMs),
      batchesCreatedBefore: new Date(now.getTime() - options.receiptRetentionMs),
    });
    let probes = 0;
    for (const health of await repository.unavailableHosts()) {
      if (probes >= free || !this.running) break;
      if ((this.perHost.get(health.host) ?? 0) > 0) continue;
      // Its last failure counts as a probe: a host that just became unavailable waits a full interval.
      const lastTried = Math.max(health.lastProbeAt?.getTime() ?? 0, health.lastFailureAt?.getTime() ?? 0);
      if (now.getTime() - lastTried < options.probeIntervalMs) continue;
      const [job] = await repository.claim({ host: health.host, now, limit: 1, leaseUntil: this.leaseUntil(now), claim: randomUUID() });
      if (job === undefined) continue;
      await repository.markHostProbed(health.host, now);
      log.info({ host: health.host }, 'probing unavailable host');
      this.launch(job, true);
      probes += 1;
    }
    return probes;
  }

  private leaseUntil(now: Date): Date {
    return new Date(now.getTime() + this.deps.options.leaseMs);
  }

  private launch(job: ClaimedDeliveryJob, probe: boolean): void {
    this.deps.onStart?.(job);
    this.perHost.set(job.host, (this.perHost.get(job.host) ?? 0) + 1);
    // Keyed by claim too: a job whose lease ran out under a stuck post may be claimed again alongside it.
    const key = `${job.id}:${job.claim}`;
    this.began.set(key, { host: job.host, at: this.deps.clock.now().getTime() });
    const done = this.attempt(job, probe)
      .catch((error: unknown) => {
        // After stop() the store may be closed under a late post: the lease covers that job.
        const level = this.running ? 'error' : 'debug';
        this.deps.log[level]({ err: error, host: job.host, job: job.id }, 'delivery attempt could not be recorded');
      })
      .finally(() => {
        this.inFlight.delete(key);
        this.began.delete(key);
        const left = (this.perHost.get(job.host) ?? 1) - 1;
        if (left > 0) this.perHost.set(job.host, left);
        else this.perHost.delete(job.host);
        this.kickSoon();
      });
    this.inFlight.set(key, done);
  }

  /** One POST of one job, then its outcome and the host's health recorded. */
  private async attempt(job: ClaimedDeliveryJob, probe: boolean): Promise<void> {
    const { repository, http, sign, clock, log, options } = this.deps;
    const fields = { host: job.host, job: job.id, attempt: job.attempts, probe };
    const headers: Record<string, string> = { 'content-type': ACTIVITY_CONTENT_TYPE };
    if (this.deps.isBlockedHost?.(job.host)) {
      await this.settle(job, { state: 'failed', at: clock.now(), status: null, error: 'instance blocked by moderators' });
      log.info(fields, 'delivery to a blocked instance dropped');
      return;
    }
    try {
      Object.assign(headers, await sign({ method: 'POST', url: job.inbox, headers, body: job.body, keyId: job.keyId, privateKeyPem: job.privateKeyPem, now: clock.now() }));
    } catch (error) {
      log.error({ ...fields, err: error }, 'cannot sign delivery; giving it up');
      await this.settle(job, { state: 'failed', at: clock.now(), status: null, error: 'signing failed' });
      return;
    }
    const verdict = judgeAttempt(await http.request(job.inbox, { method: 'POST', headers, body: job.body }));
    const now = clock.now();
    switch (verdict.kind) {
      case 'delivered':
        this.setProven(job.host, true);
        await this.settle(job, { state: 'delivered', at: now, status: verdict.status, error: null }, now);
        log.debug({ ...fields, status: verdict.status }, 'delivered');
        return;
      case 'rejected':
        // A final answer read in full (a status), not one cut off for its size.
        if (verdict.hostAnswered && verdict.status !== null) this.setProven(job.host, true);
        await this.settle(job, { state: 'failed', at: now, status: verdict.status, error: verdict.error }, verdict.hostAnswered ? now : undefined);
        log.info({ ...fields, status: verdict.status, error: verdict.error }, 'delivery failed permanently');
        return;
      case 'retry': {
        this.hostFailed(job.host, now);
        const retryAfterMs = parseRetryAfter(verdict.retryAfter, now);
        const next = nextAttemptAt(job, now, options.retry, this.deps.random, retryAfterMs);
        const outcome: DeliveryOutcome = next === undefined
          ? { state: 'failed', at: now, status: verdict.status, error: `gave up after ${job.attempts} attempts: ${verdict.error}` }
          : { state: 'pending', at: now, nextAttemptAt: next, status: verdict.status, error: verdict.error };
        await this.settle(job, outcome);
        if (next === undefined) log.info({ ...fields, status: verdict.status, error: verdict.error }, 'delivery given up');
        else log.debug({ ...fields, status: verdict.status, error: verdict.error, retryAt: next.toISOString() }, 'delivery will be retried');
        const health = await repository.recordHostFailure(job.host, now, options.unavailableAfterDays);
        if (health.unavailable && (probe || health.failureDays.length === options.unavailableAfterDays)) {
          log.warn({ host: job.host, failureDays: health.failureDays }, 'host unavailable: its deliveries wait for a successful probe');
        }
        return;
      }
      default: {
        const unexpected: never = verdict;
        throw new Error(`unexpected verdict ${JSON.stringify(unexpected)}`);
      }
    }
  }

  /**
   * Stores the attempt's outcome (with others that came back in the same
   * turn, see OutcomeWriter); `answeredAt`: the host answered, its health is
   * cleared too.
   */
  private async settle(job: ClaimedDeliveryJob, outcome: DeliveryOutcome, answeredAt?: Date): Promise<void> {
    const { settled, hostWasUnavailable } = await this.outcomes.write(job, outcome, answeredAt && { host: job.host, at: answeredAt });
    if (hostWasUnavailable) {
      this.deps.log.info({ host: job.host }, 'host available again');
      this.kick();
    }
    if (!settled) {
      // Its lease ran out and another runner took it (or its actor was deleted): that one's outcome decides.
      this.deps.log.warn({ host: job.host, job: job.id }, 'delivery lease was lost before the attempt ended');
      return;
    }
    if (outcome.state === 'pending' || job.batchId === null || !this.deps.afterReceiptJobEnded) return;
    try {
      await this.deps.afterReceiptJobEnded();
    } catch (error) {
      this.deps.log.error({ err: error }, 'after-receipt hook failed');
    }
  }
}
