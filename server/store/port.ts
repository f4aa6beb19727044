/**
 * The storage port: what the rest of Hearth may ask of a store, whichever
 * adapter (embedded SQLite or MongoDB) backs it. Adapters live in `sqlite/`
 * and `mongo/`; one contract suite (`store.contract.test.ts`) holds them to
 * the same observable behaviour.
 */

import type { AccountRepository, InviteRepository, PersonaRepository, SessionRepository } from './accounts-port.js';
import type { DeliveryRepository, NewDeliveryJob } from './delivery-port.js';
import type { ModerationRepository } from './moderation-port.js';
import type { RoomRepository } from './rooms-port.js';
import type { RemoteRoomRepository } from './remote-rooms-port.js';

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

/** A cached JSON-LD context document. */
export interface ApexContext {
  contextUrl: string | null;
  documentUrl: string;
  document: unknown;
}

/**
 * activitypub-express's store interface (`activitypub-express/store/interface.js`,
 * settings.store): the 21 methods of its interface (three of them, the delivery queue, unused), with the semantics of apex's own
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
   * apex's delivery queue (`deliveryDequeue`, `deliveryEnqueue`,
   * `deliveryRequeue`) is part of its store interface but never used: Hearth
   * replaces `queueForDelivery`, the only caller, with its own delivery queue
   * ({@link DeliveryRepository}). Every adapter rejects these calls with
   * `ApexDeliveryQueueUnusedError` rather than queueing what nothing would send.
   */
  deliveryDequeue(): Promise<never>;
  deliveryEnqueue(...args: unknown[]): Promise<never>;
  deliveryRequeue(...args: unknown[]): Promise<never>;
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
  /** The UTC day (`YYYY-MM-DD`) only: a precise time would tie together personas deleted at once. Never served. */
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
  /**
   * Ids of stored objects (cached actors and other documents) whose URL host
   * is `domain` or one of its subdomains (any port), for purging a suspended
   * domain. `domain` is lowercase ASCII.
   */
  objectIdsOnDomain(domain: string): Promise<string[]>;
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

/** A connected store. Acknowledged writes survive a crash of the process. */
/** What {@link Store.storeInbound} writes for one inbound activity. */
export interface InboundUnit {
  /** The inbound activity's id (claimed as in `FederationRepository.claimInbound`). */
  activityId: string;
  receivedAt: string;
  /** apex documents to save as new activities (in order). */
  activities: readonly ApexDocument[];
  /** Delivery jobs to queue, created and due at `now`. */
  deliveries?: { jobs: readonly NewDeliveryJob[]; now: Date };
  /** Inboxes a local actor delivered to (as in `FederationRepository.recordContacts`). */
  contacts?: { actorId: string; inboxes: readonly string[] };
}

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
  /** Moderator role, suspensions, domain blocks, reports and the audit log (see moderation-port.ts). */
  readonly moderation: ModerationRepository;
  /** Rooms announced by other instances (see remote-rooms-port.ts). */
  readonly remoteRooms: RemoteRoomRepository;
  /**
   * Everything one inbound activity stores, as one unit (ADR 0046): claims
   * its id, saves the activities and queues the deliveries. Answers false,
   * having written nothing, when the id was claimed already (a duplicate).
   * One transaction on SQLite (one synced commit); on MongoDB the writes
   * follow one another, each atomic.
   */
  storeInbound(unit: InboundUnit): Promise<boolean>;
  /** Whether the database answers right now (for health checks); never throws. */
  ping(): Promise<boolean>;
  /**
   * Makes what was just deleted unrecoverable from the store's own files:
   * SQLite folds its write-ahead log into the database (whose deleted cells
   * `secure_delete` zeroes) and truncates the log to nothing. Called after a
   * deletion. MongoDB has no such log to clear here: a no-op.
   */
  checkpoint(): Promise<void>;
  /** Flushes and releases the database; idempotent. Other methods reject afterwards. */
  close(): Promise<void>;
}
