import { createRequire } from 'node:module';
import type { Db } from 'mongodb';
import { ApexDeliveryQueueUnusedError } from '../errors.js';
import type { ApexContext, ApexDocument, ApexStore, ApexStreamItem } from '../port.js';

/**
 * apex's own MongoDB store class (`activitypub-express/store/index.js`, plain
 * CommonJS without types), as it behaves: every method but `generateId`
 * answers a promise or a value, and `getStream` may throw synchronously.
 */
interface ApexMongoStoreInstance {
  db: Db | null;
  setup(initialUser?: ApexDocument): Promise<unknown>;
  getObject(id: string, includeMeta?: boolean): Promise<ApexDocument | null>;
  saveObject(object: ApexDocument): Promise<boolean>;
  getActivity(id: string, includeMeta?: boolean): Promise<ApexDocument | null>;
  findActivityByCollectionAndObjectId(collection: string, objectId: string, includeMeta?: boolean): Promise<ApexDocument | null>;
  findActivityByCollectionAndActorId(collection: string, actorId: string, includeMeta?: boolean): Promise<ApexDocument | null>;
  getStream(...args: Parameters<ApexStore['getStream']>): Promise<ApexStreamItem[]>;
  getStreamCount(collectionId: string): Promise<number>;
  getContext(documentUrl: string): Promise<ApexContext | null>;
  getUserCount(): Promise<number>;
  saveContext(context: Parameters<ApexStore['saveContext']>[0]): Promise<unknown>;
  saveActivity(activity: ApexDocument): Promise<boolean | undefined>;
  removeActivity(activity: { id?: unknown }, actorId: string | null): Promise<{ deletedCount: number }>;
  updateActivity(activity: ApexDocument, fullReplace?: boolean): Promise<ApexDocument>;
  updateActivityMeta(activity: { id?: unknown }, key: string, value: unknown, remove?: boolean): Promise<ApexDocument>;
  generateId(): string;
  updateObject(obj: ApexDocument, actorId: string | null, fullReplace?: boolean): Promise<ApexDocument | null | undefined>;
}

const require = createRequire(import.meta.url);
const ApexMongoStoreClass = require('activitypub-express/store/index.js') as new () => ApexMongoStoreInstance;

/**
 * The apex store on MongoDB: apex's own implementation, not a rewrite, over a
 * database handle whose client we configured (majority read and write
 * concerns). This wrapper only makes every method asynchronous and adds
 * `getUsercount`, the name apex's interface.js declares but its MongoDB store
 * never implemented (apex's nodeinfo calls `getUserCount`).
 */
export class MongoApexStore implements ApexStore {
  private readonly inner: ApexMongoStoreInstance;

  constructor(db: Db) {
    this.inner = new ApexMongoStoreClass();
    this.inner.db = db;
  }

  get db(): Db | null {
    return this.inner.db;
  }

  async setup(initialUser?: ApexDocument): Promise<unknown> {
    return this.inner.setup(initialUser);
  }

  async getObject(id: string, includeMeta?: boolean): Promise<ApexDocument | null> {
    return this.inner.getObject(id, includeMeta);
  }

  async saveObject(object: ApexDocument): Promise<boolean> {
    return this.inner.saveObject(object);
  }

  async getActivity(id: string, includeMeta?: boolean): Promise<ApexDocument | null> {
    return this.inner.getActivity(id, includeMeta);
  }

  async findActivityByCollectionAndObjectId(collection: string, objectId: string, includeMeta?: boolean): Promise<ApexDocument | null> {
    return this.inner.findActivityByCollectionAndObjectId(collection, objectId, includeMeta);
  }

  async findActivityByCollectionAndActorId(collection: string, actorId: string, includeMeta?: boolean): Promise<ApexDocument | null> {
    return this.inner.findActivityByCollectionAndActorId(collection, actorId, includeMeta);
  }

  async getStream(...args: Parameters<ApexStore['getStream']>): Promise<ApexStreamItem[]> {
    return this.inner.getStream(...args);
  }

  async getStreamCount(collectionId: string): Promise<number> {
    return this.inner.getStreamCount(collectionId);
  }

  async getContext(documentUrl: string): Promise<ApexContext | null> {
    return this.inner.getContext(documentUrl);
  }

  async getUserCount(): Promise<number> {
    return this.inner.getUserCount();
  }

  async getUsercount(): Promise<number> {
    return this.inner.getUserCount();
  }

  async saveContext(context: Parameters<ApexStore['saveContext']>[0]): Promise<unknown> {
    return this.inner.saveContext(context);
  }

  async saveActivity(activity: ApexDocument): Promise<boolean | undefined> {
    return this.inner.saveActivity(activity);
  }

  async removeActivity(activity: { id?: unknown }, actorId: string | null): Promise<{ deletedCount: number }> {
    return this.inner.removeActivity(activity, actorId);
  }

  async updateActivity(activity: ApexDocument, fullReplace?: boolean): Promise<ApexDocument> {
    return this.inner.updateActivity(activity, fullReplace);
  }

  async updateActivityMeta(activity: { id?: unknown }, key: string, value: unknown, remove?: boolean): Promise<ApexDocument> {
    return this.inner.updateActivityMeta(activity, key, value, remove);
  }

  generateId(): string {
    return this.inner.generateId();
  }

  async updateObject(obj: ApexDocument, actorId: string | null, fullReplace?: boolean): Promise<ApexDocument | null | undefined> {
    return this.inner.updateObject(obj, actorId, fullReplace);
  }

  /** Never used: see {@link ApexStore.deliveryDequeue} (apex's own implementation is not reached). */
  deliveryDequeue(): Promise<never> {
    return Promise.reject(new ApexDeliveryQueueUnusedError('deliveryDequeue'));
  }

  deliveryEnqueue(): Promise<never> {
    return Promise.reject(new ApexDeliveryQueueUnusedError('deliveryEnqueue'));
  }

  deliveryRequeue(): Promise<never> {
    return Promise.reject(new ApexDeliveryQueueUnusedError('deliveryRequeue'));
  }
}
