import { err, ok, type Result } from '../../server/core/result.js';
import type { Logger } from '../../server/core/logging/logger.js';
import type { DeliveryRepository, NewDeliveryJob } from '../../server/store/index.js';
import { privateKeyObject, signRequestAsync } from '../signatures/index.js';
import { normalizeInbox } from './inboxes.js';
import { buildReceipt, isReceiptId, newReceiptId } from './receipt.js';
import { DeliveryBacklog } from './backlog.js';
import { DeliveryRunner } from './runner.js';
import { DEFAULT_RETRY_POLICY } from './schedule.js';
import {
  systemClock,
  type Clock,
  type DeliveryHttpClient,
  type DeliveryOptions,
  type DeliveryReceipt,
  type DeliverySigner,
  type EnqueueError,
  type EnqueueRequest,
  type EnqueueSummary,
  type OutboundActivity,
  type ReceiptError,
  type RetryPolicy,
} from './types.js';

const MINUTE = 60 * 1000;
const DAY = 24 * 60 * MINUTE;

/** The defaults of {@link DeliveryOptions}. */
export const DEFAULT_DELIVERY_OPTIONS: DeliveryOptions = {
  // Posts mostly wait on the network (tens of ms each): many at once cost little here.
  maxInFlight: 128,
  maxPerHost: 4,
  leaseMs: 2 * MINUTE,
  pollIntervalMs: 1000,
  retry: DEFAULT_RETRY_POLICY,
  unavailableAfterDays: 3,
  probeIntervalMs: 6 * 60 * MINUTE,
  housekeepingIntervalMs: MINUTE,
  endedRetentionMs: 7 * DAY,
  receiptRetentionMs: 90 * DAY,
  stopTimeoutMs: 5000,
};

/** What {@link DeliveryQueue} is built from. */
export interface DeliveryQueueDeps {
  readonly repository: DeliveryRepository;
  /** The SafeFetcher in production. */
  readonly http: DeliveryHttpClient;
  readonly log: Logger;
  /** Default: the system clock. */
  readonly clock?: Clock;
  /** Uniform in [0, 1), for the retry jitter. Default: Math.random. */
  readonly random?: () => number;
  /** Default: `signRequestAsync` (draft-cavage, signed on the thread pool, rsa-sha256, `(request-target) host date digest`). */
  readonly sign?: DeliverySigner;
  readonly options?: Partial<Omit<DeliveryOptions, 'retry'>> & { retry?: Partial<RetryPolicy> };
  /** Hosts moderators cut off: nothing is queued for them, and queued jobs are failed instead of sent. */
  readonly isBlockedHost?: (host: string) => boolean;
  /**
   * Called after a job of a receipt (a deletion's Delete) ended and its
   * private key was erased: the store checkpoints, so the key leaves its log too.
   */
  readonly afterReceiptJobEnded?: () => Promise<void>;
}

/**
 * Durable, concurrent ActivityPub delivery: what replaces apex's serial
 * in-memory loop. `enqueue` stores one job per (activity, inbox) and answers
 * once they are durable; the runner (`start`/`stop`) posts them, signed with
 * each job's own key, retries with backoff for about a week, and skips
 * hosts that have been failing for days until they answer again. Delivery is
 * at least once: receivers deduplicate by activity id.
 *
 * Outcomes: 2xx delivered; 404/410 and other 4xx (but 408/429) fail the job
 * for that inbox at once; 408/429/5xx/timeouts/network errors are retried
 * (see `DEFAULT_RETRY_POLICY`) and the job fails when retries run out.
 *
 * Unavailable hosts: every retried failure records its UTC date for the
 * host; an answer (2xx, or a final 4xx) clears them. A host with failures on
 * `unavailableAfterDays` (3) distinct days is unavailable: its jobs are kept
 * pending but not attempted, except one probe (its earliest due job) at most
 * every `probeIntervalMs` (6 h) counted from its last failure or probe. A
 * probe that is answered makes the host available and all its pending jobs
 * due at once; jobs that were never tried are failed ("expired") once they
 * are older than the retry window (7 days).
 */
export class DeliveryQueue {
  readonly options: DeliveryOptions;
  private readonly repository: DeliveryRepository;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly runner: DeliveryRunner;
  private readonly backlog: DeliveryBacklog;
  private readonly isBlockedHost: (host: string) => boolean;

  /** @throws RangeError when the options contradict each other (a configuration error). */
  constructor(deps: DeliveryQueueDeps) {
    this.options = {
      ...DEFAULT_DELIVERY_OPTIONS,
      ...deps.options,
      retry: { ...DEFAULT_RETRY_POLICY, ...deps.options?.retry },
    };
    checkOptions(this.options);
    this.repository = deps.repository;
    this.clock = deps.clock ?? systemClock;
    this.log = deps.log.child({ module: 'federation.delivery' });
    this.isBlockedHost = deps.isBlockedHost ?? (() => false);
    this.backlog = new DeliveryBacklog(() => this.clock.now().getTime());
    this.runner = new DeliveryRunner({
      repository: deps.repository,
      http: deps.http,
      sign: deps.sign ?? signRequestAsync,
      clock: this.clock,
      random: deps.random ?? Math.random,
      log: this.log,
      options: this.options,
      isBlockedHost: this.isBlockedHost,
      ...(deps.afterReceiptJobEnded ? { afterReceiptJobEnded: deps.afterReceiptJobEnded } : {}),
      onStart: (job) => this.backlog.started(job),
    });
  }

  /**
   * How long the oldest job queued by this process has waited for the
   * runner to start it, in ms (0 when none): the inbox holds new work back
   * while this passes its bound and the event loop is busy (ADR 0049).
   */
  oldestWaitMs(): number {
    return this.backlog.oldestWaitMs();
  }

  /**
   * Queues `activity` for every inbox (duplicates collapsed). Answers once the
   * jobs are stored durably: an acknowledged delivery survives a crash.
   * Enqueuing an (activity id, inbox) pair that is already queued is a no-op.
   */
  async enqueue(request: EnqueueRequest): Promise<Result<EnqueueSummary, EnqueueError>> {
    const prepared = this.prepare(request);
    if (!prepared.ok) return prepared;
    const batchId = request.batchId ?? null;
    if (batchId !== null && (await this.repository.getBatch(batchId)) === undefined) {
      return err({ kind: 'unknown-batch', batchId });
    }
    const { jobs, rejected } = prepared.value;
    const now = this.clock.now();
    const dueAt = new Date(now.getTime() + Math.max(0, request.delayMs ?? 0));
    const { inserted, duplicates } = jobs.length > 0 ? await this.repository.enqueue(jobs, now, dueAt) : { inserted: 0, duplicates: 0 };
    if (inserted > 0) {
      // Only when every job is new: a duplicate's job may never start again.
      if (duplicates === 0) this.backlog.added(jobs);
      this.runner.kick();
    }
    return ok({ queued: inserted, duplicates, rejected });
  }

  /**
   * The jobs `enqueue` would store for `request` (checked the same way), for
   * a caller that stores them in its own transaction (`Store.storeInbound`)
   * and then calls {@link kick}. The batch, if any, is not checked here.
   */
  prepare(request: EnqueueRequest): Result<{ jobs: NewDeliveryJob[]; rejected: string[]; now: Date }, EnqueueError> {
    const activity = serializeActivity(request.activity);
    if (!activity.ok) return activity;
    try {
      if (privateKeyObject(request.privateKeyPem).asymmetricKeyType !== 'rsa') {
        return err({ kind: 'invalid-key', reason: 'not an RSA private key' });
      }
    } catch {
      return err({ kind: 'invalid-key', reason: 'not a PEM private key' });
    }
    if (request.keyId === '') return err({ kind: 'invalid-key', reason: 'empty key id' });
    const batchId = request.batchId ?? null;
    const rejected: string[] = [];
    const inboxes = new Set<string>();
    let blocked = 0;
    for (const raw of request.inboxes) {
      const inbox = normalizeInbox(raw);
      if (inbox === undefined) rejected.push(raw);
      else if (this.isBlockedHost(new URL(inbox).host)) blocked += 1;
      else inboxes.add(inbox);
    }
    if (blocked > 0) this.log.info({ blocked }, 'inboxes of blocked instances left out');
    if (rejected.length > 0) this.log.warn({ rejected: rejected.length }, 'inboxes that are not http(s) URLs left out');
    const jobs: NewDeliveryJob[] = [...inboxes].map((inbox) => ({
      activityId: activity.value.id,
      inbox,
      host: new URL(inbox).host,
      body: activity.value.body,
      keyId: request.keyId,
      privateKeyPem: request.privateKeyPem,
      batchId,
    }));
    return ok({ jobs, rejected, now: this.clock.now() });
  }

  /** Tells the runner that `jobs` were stored (after a `prepare` the caller stored itself). */
  kick(jobs: readonly NewDeliveryJob[] = []): void {
    this.backlog.added(jobs);
    this.runner.kick();
  }

  /**
   * Starts a receipt (a batch) for deliveries to be enqueued with its id,
   * e.g. the Delete of a persona. It names no account or persona by a local
   * id, only the actor URL when given, so it outlives them.
   */
  async createReceipt(input: { actorId?: string } = {}): Promise<string> {
    for (;;) {
      const id = newReceiptId();
      if (await this.repository.createBatch({ id, createdAt: this.clock.now(), actorId: input.actorId ?? null })) return id;
      // A collision of 144 random bits does not happen; looping is merely correct.
    }
  }

  /** Where a receipt's deliveries stand, per instance. */
  async receipt(id: string): Promise<Result<DeliveryReceipt, ReceiptError>> {
    if (!isReceiptId(id)) return err({ kind: 'not-found' });
    const batch = await this.repository.getBatch(id);
    if (batch === undefined) return err({ kind: 'not-found' });
    return ok(buildReceipt(batch, await this.repository.batchJobs(id)));
  }

  /**
   * Gives up the open jobs signed with `keyId` (not one a runner is posting
   * right now): for an actor whose other activities must not go out any
   * more. Answers how many.
   */
  cancelForKey(keyId: string): Promise<number> {
    return this.repository.cancelForKey(keyId, this.clock.now(), 'cancelled');
  }

  /**
   * Fails every open job to a host `matches` accepts (a domain was
   * suspended); jobs being posted right now are failed by the runner's own
   * check instead. Answers how many.
   */
  async cancelForHosts(matches: (host: string) => boolean, error: string): Promise<number> {
    let cancelled = 0;
    for (const host of await this.repository.openHosts()) {
      if (matches(host)) cancelled += await this.repository.cancelForHost(host, this.clock.now(), error);
    }
    return cancelled;
  }

  /**
   * Deletes every job signed with `keyId`, pending or ended, bodies and all:
   * for a deleted actor, whose past activities carry its profile. Answers how many.
   */
  deleteForKey(keyId: string): Promise<number> {
    return this.repository.deleteForKey(keyId);
  }

  /** Starts the runner (idempotent). */
  start(): void {
    this.runner.start();
    this.log.info({ maxInFlight: this.options.maxInFlight, maxPerHost: this.options.maxPerHost }, 'delivery runner started');
  }

  /** Looks for due jobs now, e.g. after the clock was moved in a test. */
  wake(): void {
    this.runner.kick();
  }

  /** Deliveries being posted right now. */
  get inFlight(): number {
    return this.runner.inFlightCount;
  }

  /**
   * Stops the runner: no new claims, posts in flight get up to
   * `stopTimeoutMs` to finish. Unfinished jobs stay in the store. Call before
   * closing the store.
   */
  async stop(): Promise<void> {
    await this.runner.stop();
    this.log.info('delivery runner stopped');
  }
}

/** The activity's id and the exact text to send. */
function serializeActivity(activity: OutboundActivity): Result<{ id: string; body: string }, EnqueueError> {
  let id: unknown;
  let body: string;
  if (typeof activity === 'string') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(activity);
    } catch {
      return err({ kind: 'invalid-activity', reason: 'not JSON' });
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      return err({ kind: 'invalid-activity', reason: 'not a JSON object' });
    }
    id = (parsed as { id?: unknown }).id;
    body = activity;
  } else {
    id = activity.id;
    body = JSON.stringify(activity);
  }
  if (typeof id !== 'string' || normalizeInbox(id) === undefined) {
    return err({ kind: 'invalid-activity', reason: 'no http(s) id' });
  }
  return ok({ id, body });
}

function checkOptions(o: DeliveryOptions): void {
  const positive = ['maxInFlight', 'maxPerHost', 'leaseMs', 'pollIntervalMs', 'unavailableAfterDays', 'stopTimeoutMs'] as const;
  for (const key of positive) {
    if (!(o[key] > 0)) throw new RangeError(`delivery option ${key} must be positive, got ${o[key]}`);
  }
  if (!(o.retry.maxAttempts >= 1)) throw new RangeError('delivery retry.maxAttempts must be at least 1');
  if (!(o.retry.baseDelayMs > 0 && o.retry.factor >= 1)) throw new RangeError('delivery retry.baseDelayMs must be positive and retry.factor at least 1');
}
