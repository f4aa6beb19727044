/**
 * The storage port: what the rest of Hearth may ask of a store, whichever
 * adapter (embedded SQLite or MongoDB) backs it. Adapters live in `sqlite/`
 * and `mongo/`; one contract suite (`store.contract.test.ts`) holds them to
 * the same observable behaviour.
 */

import type { AccountRepository, InviteRepository, PersonaRepository, SessionRepository } from './accounts-port.js';
import type { RoomRepository } from './rooms-port.js';

/**
 * A JSON-LD record as activitypub-express keeps it: compacted with `@set`
 * containers (almost every property is an array), plus the private `_meta`
 * (collection membership, private keys) and, in memory only, `_local`.
 */
export type ApexDocument = Record<string, unknown>;

/**
 * An item of {@link ApexStore.getStream}: the activity without `_meta`, its
 * `actor` replaced by the stored actor objects, and `_id`, the opaque page
 * cursor apex puts into `?page=` links (a hex string on SQLite, an ObjectId on
 * MongoDB: use `String(item._id)`).
 */
export type ApexStreamItem = ApexDocument & { _id: { toString(): string } };

/** One queued outbound delivery, as apex's delivery loop reads it. */
export interface ApexDelivery {
  address: string;
  actorId: string;
  /** PEM private key of `actorId`; `null` when apex queued none. */
  signingKey: string | null;
  /** The serialized activity, exactly as given to `deliveryEnqueue`. */
  body: unknown;
  /** Failed attempts so far; `deliveryRequeue` increments it. */
  attempt: number;
  /** Not to be tried before this time. */
  after: Date;
}

/** A cached JSON-LD context document. */
export interface ApexContext {
  contextUrl: string | null;
  documentUrl: string;
  document: unknown;
}

/** What `deliveryDequeue` answers when only future-dated deliveries remain. */
export interface ApexDeliveryWait {
  waitUntil: Date;
}

/**
 * activitypub-express's store interface (`activitypub-express/store/interface.js`,
 * settings.store): the 21 methods apex calls, with the semantics of apex's own
 * MongoDB store. Documents are loose on purpose: apex owns their shape.
 *
 * Every method returns a promise except `generateId`, which apex calls
 * synchronously.
 */
export interface ApexStore {
  /**
   * The adapter's database handle (apex's MongoDB store uses `db`; apex's core
   * never reads it). `null` on SQLite.
   */
  db: unknown;
  /** Creates indexes and, when given, upserts the instance's system user (unescaped, as apex does). */
  setup(initialUser?: ApexDocument): Promise<unknown>;
  /** An object by id; `_meta` only when `includeMeta === true` (strictly: private keys live there). */
  getObject(id: string, includeMeta?: boolean): Promise<ApexDocument | null>;
  /** Inserts an object; `false` when one with the same id exists already. */
  saveObject(object: ApexDocument): Promise<boolean>;
  /** An activity by id; `_meta` when `includeMeta` is truthy. */
  getActivity(id: string, includeMeta?: boolean): Promise<ApexDocument | null>;
  /** First activity in `collection` whose `object` is (or contains) the IRI `objectId`. */
  findActivityByCollectionAndObjectId(collection: string, objectId: string, includeMeta?: boolean): Promise<ApexDocument | null>;
  /** First activity in `collection` whose `actor` is (or contains) the IRI `actorId`. */
  findActivityByCollectionAndActorId(collection: string, actorId: string, includeMeta?: boolean): Promise<ApexDocument | null>;
  /**
   * A page of a collection, newest first: activities whose `_meta.collection`
   * contains `collectionId`, older than the cursor `after`, whose actor is not
   * in `blockList`, filtered by `query` (extra aggregation stages), cut to
   * `limit`; then each `actor` is replaced by the stored actor objects and
   * activities whose actor is not stored are dropped (after the limit, so a
   * page may be short).
   */
  getStream(
    collectionId: string,
    limit?: number | null,
    after?: string | null,
    blockList?: readonly string[] | null,
    query?: readonly Record<string, unknown>[] | null,
  ): Promise<ApexStreamItem[]>;
  /** Number of activities in a collection. */
  getStreamCount(collectionId: string): Promise<number>;
  /** A cached JSON-LD context with its document parsed, or `null`. */
  getContext(documentUrl: string): Promise<ApexContext | null>;
  /** Local users: stored `Person` objects that hold `_meta.privateKey`. Apex's nodeinfo calls this name. */
  getUserCount(): Promise<number>;
  /** The same count under the name apex's interface.js declares (its MongoDB store never implemented it). */
  getUsercount(): Promise<number>;
  /** Caches a context document (objects are stored as JSON text), replacing any for the same URL. */
  saveContext(context: { contextUrl?: string | null; documentUrl: string; document: unknown }): Promise<unknown>;
  /** Inserts an activity; `true` when inserted, `undefined` when its id exists already. */
  saveActivity(activity: ApexDocument): Promise<boolean | undefined>;
  /** Deletes the activity with this id if `actorId` is (one of) its actor(s). */
  removeActivity(activity: { id?: unknown }, actorId: string | null): Promise<{ deletedCount: number }>;
  /**
   * Replaces (`fullReplace`) or patches (top-level keys set, `null` values
   * unset) an activity. A full replace of a stored activity is copied into
   * activities embedding it; a patch is not (apex's MongoDB store
   * behaves so). Answers the new document, or the argument when not found.
   */
  updateActivity(activity: ApexDocument, fullReplace?: boolean): Promise<ApexDocument>;
  /**
   * Adds `value` to the set `_meta[key]` (or removes every equal element when
   * `remove`); answers the updated activity with `_meta`. Rejects when no
   * activity has that id.
   */
  updateActivityMeta(activity: { id?: unknown }, key: string, value: unknown, remove?: boolean): Promise<ApexDocument>;
  /** A fresh 24-hex-digit id for new activities and objects. */
  generateId(): string;
  /**
   * Replaces (`fullReplace`) or patches an object and copies the result into
   * every activity whose `object` array embeds it; a replaced actor's new
   * `_meta.privateKey` also goes into its queued deliveries. Answers the
   * stored object: a full replace answers the new object, or `undefined` when
   * nothing was found; a patch answers the object without `_meta`, or `null`
   * when nothing was found. `actorId` is not checked (as in apex).
   */
  updateObject(obj: ApexDocument, actorId: string | null, fullReplace?: boolean): Promise<ApexDocument | null | undefined>;
  /**
   * Takes the oldest due delivery off the queue (ordered by `after`, then by
   * insertion); when none is due, answers when the next one will be, or
   * `null` for an empty queue.
   */
  deliveryDequeue(): Promise<ApexDelivery | ApexDeliveryWait | null>;
  /** Queues one delivery per address, due now; `undefined` when there is no address. */
  deliveryEnqueue(
    actorId: string,
    body: unknown,
    addresses: string | readonly string[] | null | undefined,
    signingKey: string | null | undefined,
  ): Promise<true | undefined>;
  /**
   * Puts a dequeued delivery back, due `10^attempt` ms after its previous due
   * time, and increments `delivery.attempt` (mutating the argument, as apex does).
   */
  deliveryRequeue(delivery: ApexDelivery): Promise<boolean>;
}

/**
 * Durable per-instance settings (instance actor keys, JWKS signing keys...).
 * Values are JSON: what `get` answers is `JSON.parse(JSON.stringify(value))`.
 */
export interface InstanceRepository {
  /** The value stored under `key`, or `undefined`. */
  get<T>(key: string): Promise<T | undefined>;
  /** Stores `value` (JSON-serializable, not `undefined`) under `key`, replacing any previous one. */
  put(key: string, value: unknown): Promise<void>;
  /** Removes `key`; answers whether it existed. */
  delete(key: string): Promise<boolean>;
}

/** A deleted local actor: its URL answers 410 with a Tombstone, its handle stays reserved. */
export interface ActorTombstone {
  actorId: string;
  handle: string;
  deletedAt: string;
  /** The deletion receipt that tracks the Delete's delivery. */
  receiptId: string;
}

/** Federation state beyond apex's store interface. */
export interface FederationRepository {
  /** Records a deleted local actor (first write wins). */
  putTombstone(tombstone: ActorTombstone): Promise<void>;
  getTombstone(actorId: string): Promise<ActorTombstone | undefined>;
  /** Remembers inboxes a local actor delivered to (for the fan-out of its deletion). */
  recordContacts(actorId: string, inboxes: readonly string[]): Promise<void>;
  contacts(actorId: string): Promise<string[]>;
  /**
   * Removes an actor (local or a cached remote one) from apex's store: its
   * document, every activity it sent, every activity whose object is it
   * (follows, blocks), its contacts and apex's queued deliveries.
   */
  purgeActor(actorId: string): Promise<{ objects: number; activities: number }>;
  /** Claims an inbound activity id; false when it was already claimed (a duplicate delivery). */
  claimInbound(activityId: string, receivedAt: string): Promise<boolean>;
  /** Releases a claim whose processing failed, so that a redelivery is processed. */
  releaseInbound(activityId: string): Promise<void>;
  putFollowRequest(request: FollowRequest): Promise<void>;
  followRequests(localActor: string): Promise<FollowRequest[]>;
  takeFollowRequest(followId: string): Promise<FollowRequest | undefined>;
  putReport(report: InboundReport): Promise<void>;
  reports(limit: number): Promise<InboundReport[]>;
}

/** A follow waiting for the persona's approval. */
export interface FollowRequest {
  followId: string;
  localActor: string;
  remoteActor: string;
  receivedAt: string;
}

/** An inbound Flag (report), kept for moderators. */
export interface InboundReport {
  activityId: string;
  reporter: string;
  objects: string[];
  content: string;
  receivedAt: string;
}

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
export interface DeliveryRepository {
  /** Creates a batch; `false` when its id exists already. */
  createBatch(batch: DeliveryBatch): Promise<boolean>;
  getBatch(id: string): Promise<DeliveryBatch | undefined>;
  /** Every job of a batch, ordered by host. */
  batchJobs(batchId: string): Promise<DeliveryBatchJob[]>;
  /**
   * Stores the jobs, due at `now`; a job whose (activityId, inbox) exists
   * already is skipped and counted as a duplicate. All or none on SQLite; on
   * MongoDB each job is atomic, so a rejected call may have stored some of
   * them, and calling again is safe.
   */
  enqueue(jobs: readonly NewDeliveryJob[], now: Date): Promise<{ inserted: number; duplicates: number }>;
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
   * Settles a claimed job; `false` (and nothing written) when the lease was
   * lost (claimed again since). An ended job loses its private key.
   */
  settle(id: string, claim: string, outcome: DeliveryOutcome): Promise<boolean>;
  /** Fails open jobs created before `createdBefore` that nobody holds a live lease on. */
  expire(query: { createdBefore: Date; now: Date; error: string }): Promise<number>;
  /** Fails every open job signed with `keyId` that nobody holds a live lease on (e.g. its actor was deleted). */
  cancelForKey(keyId: string, now: Date, error: string): Promise<number>;
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
  /** Records that an unavailable host is being probed now. */
  markHostProbed(host: string, at: Date): Promise<void>;
}

/** A connected store. Acknowledged writes survive a crash of the process. */
export interface Store {
  readonly kind: 'sqlite' | 'mongodb';
  /** Pass as activitypub-express's `settings.store`. */
  readonly apex: ApexStore;
  readonly instance: InstanceRepository;
  /** Private login accounts and their recovery codes (see accounts-port.ts). */
  readonly accounts: AccountRepository;
  readonly sessions: SessionRepository;
  readonly personas: PersonaRepository;
  readonly invites: InviteRepository;
  readonly federation: FederationRepository;
  /** The durable outbound delivery queue (federation/delivery). */
  readonly delivery: DeliveryRepository;
  /** Rooms and room bans (see rooms-port.ts). */
  readonly rooms: RoomRepository;
  /** Whether the database answers right now (for health checks); never throws. */
  ping(): Promise<boolean>;
  /** Flushes and releases the database; idempotent. Other methods reject afterwards. */
  close(): Promise<void>;
}
