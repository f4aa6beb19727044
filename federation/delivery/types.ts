import type { Result } from '../../server/core/result.js';
import type { FetchError } from '../net/index.js';
import type { SignRequestInput } from '../signatures/index.js';

/** Where the queue reads the time: injectable so backoff schedules are testable without waiting. */
export interface Clock {
  now(): Date;
}

/** The system clock. */
export const systemClock: Clock = { now: () => new Date() };

/**
 * What the queue needs of an HTTP client: the SafeFetcher fits as it is (it
 * refuses private addresses, bounds time and size). Any final status must
 * come back as a success value: the queue decides on retries from it.
 */
export interface DeliveryHttpClient {
  request(
    url: string,
    init: { method: 'POST'; headers: Readonly<Record<string, string>>; body: string },
  ): Promise<Result<{ status: number; headers: Readonly<Record<string, string>> }, FetchError>>;
}

/** Signs one POST with the job's own key; `signRequestAsync` of federation/signatures by default. */
export type DeliverySigner = (input: SignRequestInput) => Record<string, string> | Promise<Record<string, string>>;

/** The retry schedule (see {@link DEFAULT_RETRY_POLICY}). */
export interface RetryPolicy {
  /** Cap of the first retry's delay. */
  readonly baseDelayMs: number;
  /** Each further retry's cap grows by this factor... */
  readonly factor: number;
  /** ...up to this cap per retry. */
  readonly maxDelayMs: number;
  /** Attempts in all (the first one included); the next failure after the last one is final. */
  readonly maxAttempts: number;
  /** No retry is scheduled later than this after the job was queued. */
  readonly maxAgeMs: number;
  /** A `Retry-After` longer than this is not sane and is ignored. */
  readonly maxRetryAfterMs: number;
}

/** Tuning of the delivery runner; every field has a default. */
export interface DeliveryOptions {
  /** Deliveries in flight at once, over all hosts. Default 32. */
  readonly maxInFlight: number;
  /** Deliveries in flight at once to one host (`host[:port]`). Default 4. */
  readonly maxPerHost: number;
  /**
   * How long a claimed job stays leased; after that, another runner (or this
   * one after a crash) may claim it again. Must be well above the HTTP
   * client's own timeout. Default 2 min.
   */
  readonly leaseMs: number;
  /** The runner looks for due jobs at least this often (it also wakes on enqueue). Default 1 s. */
  readonly pollIntervalMs: number;
  readonly retry: RetryPolicy;
  /** A host that failed on this many distinct UTC days, without a success since, is unavailable. Default 3. */
  readonly unavailableAfterDays: number;
  /** An unavailable host is probed with one of its jobs at most this often. Default 6 h. */
  readonly probeIntervalMs: number;
  /** Expiry, probes and purging run at most this often (by the queue's clock). Default 1 min. */
  readonly housekeepingIntervalMs: number;
  /** Ended jobs outside any receipt are deleted after this. Default 7 days. */
  readonly endedRetentionMs: number;
  /** Receipts, with their jobs, are deleted after this. Default 90 days. */
  readonly receiptRetentionMs: number;
  /** `stop()` waits this long for posts in flight. Default 5 s. */
  readonly stopTimeoutMs: number;
}

/** An activity to send, as a typed object (serialized here) or as the exact JSON text to send. */
export type OutboundActivity = string | ({ readonly id: string } & Readonly<Record<string, unknown>>);

/** What {@link DeliveryQueue.enqueue} takes. */
export interface EnqueueRequest {
  /** Must carry a string `id` (http or https URL): with each inbox, the idempotency key. */
  readonly activity: OutboundActivity;
  /** Inbox URLs; pass shared inboxes where known (see `chooseInboxes`). Duplicates are collapsed. */
  readonly inboxes: readonly string[];
  /** The signing key's id, e.g. `https://rooms.example/u/nightowl#main-key`. */
  readonly keyId: string;
  /** RSA private key, PEM; kept with each job until the job ends, then erased. */
  readonly privateKeyPem: string;
  /** Report these jobs in this receipt (from `createReceipt`). */
  readonly batchId?: string;
  /** Hold the jobs back this long (ms) before their first attempt; default 0. */
  readonly delayMs?: number;
}

/** What an accepted enqueue did. Once it answers, the jobs are durable. */
export interface EnqueueSummary {
  /** New jobs stored. */
  readonly queued: number;
  /** Inboxes that already had a job for this activity (nothing done). */
  readonly duplicates: number;
  /** Inboxes that are not absolute http(s) URLs, left out. */
  readonly rejected: readonly string[];
}

/** Why an enqueue was refused as a whole (nothing was stored). */
export type EnqueueError =
  | { kind: 'invalid-activity'; reason: string }
  | { kind: 'invalid-key'; reason: string }
  | { kind: 'unknown-batch'; batchId: string };

/** How one instance stands in a receipt. */
export type InstanceDeliveryState = 'pending' | 'acknowledged' | 'failed';

/** One instance (host) of a receipt, aggregated over its jobs. */
export interface InstanceReceipt {
  readonly host: string;
  /** `pending` while any job to it is open; then `acknowledged` if any was delivered, else `failed`. */
  readonly state: InstanceDeliveryState;
  /** The HTTP status of the acknowledging (or, when failed, the last) answer, if there was one. */
  readonly status?: number;
  readonly attempts: number;
  /** ISO 8601. */
  readonly lastAttemptAt?: string;
}

/** A deletion receipt: where a batch of deliveries stands, per instance. */
export interface DeliveryReceipt {
  readonly id: string;
  /** ISO 8601. */
  readonly createdAt: string;
  readonly instances: readonly InstanceReceipt[];
}

/** Why a receipt cannot be read. */
export type ReceiptError = { kind: 'not-found' };
