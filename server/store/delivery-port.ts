/**
 * The durable delivery queue's part of the storage port: jobs, host health
 * and deletion-receipt batches (see federation/delivery/).
 */

/**
 * Where an outbound delivery job is: `pending` (waiting for its next attempt),
 * `in-flight` (claimed under a lease), or ended: `delivered` or `failed`
 * (permanently). Ended jobs no longer hold the private key.
 */
export type DeliveryJobState = 'pending' | 'in-flight' | 'delivered' | 'failed';

/** One activity to deliver to one inbox. */
export interface NewDeliveryJob {
  /** With `inbox`, the idempotency key: enqueuing the same pair again is a no-op. */
  activityId: string;
  inbox: string;
  /** `URL.host` of the inbox (host[:port]): the unit of concurrency caps and host health. */
  host: string;
  /** The serialized activity, sent byte for byte (its digest is signed). */
  body: string;
  keyId: string;
  /** Kept only while the job is open (a deleted persona's key lives nowhere else); erased when it ends. */
  privateKeyPem: string;
  /** The receipt this job reports to; the batch must exist. */
  batchId: string | null;
}

/** A stored delivery job. */
export interface DeliveryJob extends Omit<NewDeliveryJob, 'privateKeyPem'> {
  id: string;
  /** `null` once the job ended. */
  privateKeyPem: string | null;
  state: DeliveryJobState;
  /** Attempts started so far (counted when claimed, so a crash mid-attempt counts too). */
  attempts: number;
  /** Pending: not to be tried before. In flight: when the lease runs out and the job may be claimed again. */
  nextAttemptAt: Date;
  lastAttemptAt: Date | null;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** A job claimed under a lease; `claim` proves the lease when settling it. */
export interface ClaimedDeliveryJob extends DeliveryJob {
  state: 'in-flight';
  privateKeyPem: string;
  claim: string;
}

/** How a claimed job's attempt ended: ended for good, or pending again until `nextAttemptAt`. */
export type DeliveryOutcome =
  | { state: 'delivered' | 'failed'; at: Date; status: number | null; error: string | null }
  | { state: 'pending'; at: Date; nextAttemptAt: Date; status: number | null; error: string | null };

/** One claimed job's outcome, as {@link DeliveryRepository.settleMany} takes it. */
export interface DeliverySettlement {
  id: string;
  claim: string;
  outcome: DeliveryOutcome;
}

/** What the delivery runner knows about one remote host. */
export interface DeliveryHostHealth {
  host: string;
  /** Distinct UTC dates (`YYYY-MM-DD`, ascending) on which delivering failed since the last success. */
  failureDays: string[];
  lastFailureAt: Date | null;
  /** Refreshed at most once an hour while the host stays healthy (it costs a write). */
  lastSuccessAt: Date | null;
  lastProbeAt: Date | null;
  /** Skipped until it answers again (see `recordHostFailure`). */
  unavailable: boolean;
}

/**
 * A group of jobs reported together (a deletion receipt). It never refers to
 * an account or persona by a local id, so it outlives them.
 */
export interface DeliveryBatch {
  /** Random, URL-safe, at least 128 bits: knowing it is the capability to read the receipt. */
  id: string;
  createdAt: Date;
  /** The (possibly deleted) actor URL the batch is about, if any. */
  actorId: string | null;
}

/** One job of a batch, as much as a receipt shows. */
export interface DeliveryBatchJob {
  host: string;
  state: DeliveryJobState;
  lastStatus: number | null;
  attempts: number;
  lastAttemptAt: Date | null;
}

/**
 * The durable outbound delivery queue (federation/delivery), host health and
 * receipts. Times are passed in (the runner's clock), never read here.
 */
/** A claim of due jobs of several hosts at once, each up to its own `limit`, under one `claim` id. */
export interface HostsClaim {
  readonly hosts: readonly { host: string; limit: number }[];
  readonly now: Date;
  readonly leaseUntil: Date;
  readonly claim: string;
}

export interface DeliveryRepository {
  /** Creates a batch; `false` when its id exists already. */
  createBatch(batch: DeliveryBatch): Promise<boolean>;
  getBatch(id: string): Promise<DeliveryBatch | undefined>;
  /** Every job of a batch, ordered by host. */
  batchJobs(batchId: string): Promise<DeliveryBatchJob[]>;
  /**
   * Stores the jobs, created at `now` and due at `dueAt` (default `now`: a
   * later time holds them back, e.g. to spread out the Deletes of personas); a job whose (activityId, inbox) exists
   * already is skipped and counted as a duplicate. All or none on SQLite; on
   * MongoDB each job is atomic, so a rejected call may have stored some of
   * them, and calling again is safe.
   */
  enqueue(jobs: readonly NewDeliveryJob[], now: Date, dueAt?: Date): Promise<{ inserted: number; duplicates: number }>;
  findJob(activityId: string, inbox: string): Promise<DeliveryJob | undefined>;
  /**
   * Hosts with a job due at `now` (pending and due, or in flight with an
   * expired lease), earliest due first, leaving out `exclude` and hosts marked
   * unavailable.
   */
  dueHosts(query: { now: Date; exclude: readonly string[]; limit: number }): Promise<string[]>;
  /**
   * Atomically takes up to `limit` due jobs of `host` (earliest due first),
   * whatever its availability: marks them in flight until `leaseUntil` under
   * `claim`, counts the attempt and records `now` as its time.
   */
  claim(query: { host: string; now: Date; limit: number; leaseUntil: Date; claim: string }): Promise<ClaimedDeliveryJob[]>;
  /**
   * {@link claim} for several hosts at once, each up to its own `limit`,
   * under one `claim`: one transaction on SQLite (one synced commit for a
   * whole fill of the runner); on MongoDB each job is claimed atomically.
   */
  claimHosts(query: HostsClaim): Promise<ClaimedDeliveryJob[]>;
  /**
   * Settles a claimed job; `false` (and nothing written) when the lease was
   * lost (claimed again since). An ended job loses its private key.
   */
  settle(id: string, claim: string, outcome: DeliveryOutcome): Promise<boolean>;
  /**
   * {@link settle} for several jobs; answers, in order, whether each was
   * settled. One transaction on SQLite (one synced commit for every outcome
   * that came back in the same moment); on MongoDB each job is atomic.
   */
  settleMany(settlements: readonly DeliverySettlement[]): Promise<boolean[]>;
  /**
   * {@link settleMany} then {@link claimHosts}, in one transaction on SQLite:
   * one synced commit for a round of the runner (the outcomes of the posts
   * that ended and the claim of the jobs that take their slots). A crash
   * before the commit loses both: the ended posts' jobs are posted again once
   * their leases run out, and nothing was claimed. On MongoDB the settles,
   * then the claims, each job atomic.
   */
  settleAndClaim(
    settlements: readonly DeliverySettlement[],
    query: HostsClaim,
  ): Promise<{ settled: boolean[]; claimed: ClaimedDeliveryJob[] }>;
  /** Fails open jobs created before `createdBefore` that nobody holds a live lease on. */
  expire(query: { createdBefore: Date; now: Date; error: string }): Promise<number>;
  /** Fails every open job signed with `keyId` that nobody holds a live lease on (e.g. its actor was deleted). */
  cancelForKey(keyId: string, now: Date, error: string): Promise<number>;
  /** Hosts (host[:port]) that have open jobs (pending or in flight), sorted. */
  openHosts(): Promise<string[]>;
  /** Fails every open job to `host` that nobody holds a live lease on (e.g. the host's domain was suspended). */
  cancelForHost(host: string, now: Date, error: string): Promise<number>;
  /**
   * Deletes every job signed with `keyId`, whatever its state, body and all:
   * the bodies of a deleted actor's activities carry its profile. A job being
   * posted right now loses its lease (its settle answers false). Answers how many.
   */
  deleteForKey(keyId: string): Promise<number>;
  /** Deletes ended jobs without batch last updated before `endedBefore`, and batches (with their jobs) created before `batchesCreatedBefore`. */
  purge(query: { endedBefore: Date; batchesCreatedBefore: Date }): Promise<number>;
  /** Number of jobs in each state. */
  counts(): Promise<Record<DeliveryJobState, number>>;
  hostHealth(host: string): Promise<DeliveryHostHealth | undefined>;
  unavailableHosts(): Promise<DeliveryHostHealth[]>;
  /**
   * Adds `at`'s UTC date to the host's failure days; the host becomes
   * unavailable once it has failed on `unavailableAfterDays` distinct days
   * (no success since, as a success clears them). Answers the new health.
   */
  recordHostFailure(host: string, at: Date, unavailableAfterDays: number): Promise<DeliveryHostHealth>;
  /**
   * The host answered: clears its failure days and the unavailable flag; when
   * it was unavailable, its pending jobs become due at `at`. Answers whether
   * it was unavailable.
   */
  recordHostSuccess(host: string, at: Date): Promise<{ wasUnavailable: boolean }>;
  /** {@link recordHostSuccess} for several hosts (one transaction on SQLite); answers those that were unavailable. */
  recordHostSuccesses(hosts: readonly string[], at: Date): Promise<string[]>;
  /** Records that an unavailable host is being probed now. */
  markHostProbed(host: string, at: Date): Promise<void>;
}
