import { randomBytes } from 'node:crypto';
import type { Database, Statement } from 'better-sqlite3';
import type { Logger } from '../../core/logging/logger.js';
import { ApexDeliveryQueueUnusedError } from '../errors.js';
import type { ApexContext, ApexDocument, ApexStore, ApexStreamItem } from '../port.js';
import {
  applyPatch, documentId, isLocalUser, omitKeys, parseDocument,
  replaceEmbeddedObject, streamRefs, toJson, updateMetaSet,
} from './apex-documents.js';
import { settle } from './settle.js';
import { SqliteStreamReader } from './apex-streams.js';

interface DocRow {
  _id: number;
  doc: string;
}

/**
 * activitypub-express's store on SQLite, with the observable semantics of
 * apex's own MongoDB store (`activitypub-express/store/index.js`), quirks
 * included (noted where they surprise). better-sqlite3 is synchronous; every
 * method still answers a promise (see `settle`), and a change of several rows
 * runs in one transaction.
 */
export class SqliteApexStore implements ApexStore {
  /** apex's core never reads `db`; the connection stays private. */
  readonly db = null;
  private readonly log: Logger;
  private readonly stmt: Record<
    | 'objectById' | 'insertObject' | 'replaceObject' | 'userCount' | 'activityById' | 'insertActivity'
    | 'replaceActivity' | 'deleteRefs' | 'insertRef' | 'byCollectionAndRef' | 'streamCount' | 'byRef'
    | 'deleteActivity' | 'contextByUrl' | 'upsertContext',
    Statement
  >;
  private readonly streams: SqliteStreamReader;

  constructor(private readonly sqlite: Database, log: Logger) {
    this.log = log.child({ module: 'store.sqlite.apex' });
    this.streams = new SqliteStreamReader(sqlite, this.log);
    const p = (sql: string): Statement => sqlite.prepare(sql);
    this.stmt = {
      objectById: p('SELECT _id, doc FROM apex_objects WHERE id = ?'),
      insertObject: p('INSERT INTO apex_objects (id, is_local_user, doc) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING'),
      replaceObject: p('UPDATE apex_objects SET is_local_user = ?, doc = ? WHERE _id = ?'),
      userCount: p('SELECT count(*) FROM apex_objects WHERE is_local_user = 1').pluck(),
      activityById: p('SELECT _id, doc FROM apex_streams WHERE id = ?'),
      insertActivity: p('INSERT INTO apex_streams (id, doc) VALUES (?, ?) ON CONFLICT (id) DO NOTHING'),
      replaceActivity: p('UPDATE apex_streams SET doc = ? WHERE _id = ?'),
      deleteRefs: p('DELETE FROM apex_stream_refs WHERE stream_id = ?'),
      insertRef: p('INSERT OR IGNORE INTO apex_stream_refs (kind, value, stream_id) VALUES (?, ?, ?)'),
      // MongoDB answers these from its { '_meta.collection': 1, _id: -1 } index: newest first.
      byCollectionAndRef: p(`
        SELECT s._id, s.doc FROM apex_stream_refs c
        JOIN apex_stream_refs r ON r.stream_id = c.stream_id AND r.kind = ? AND r.value = ?
        JOIN apex_streams s ON s._id = c.stream_id
        WHERE c.kind = 'collection' AND c.value = ? ORDER BY s._id DESC LIMIT 1`),
      streamCount: p("SELECT count(*) FROM apex_stream_refs WHERE kind = 'collection' AND value = ?").pluck(),
      byRef: p('SELECT s._id, s.doc FROM apex_stream_refs r JOIN apex_streams s ON s._id = r.stream_id WHERE r.kind = ? AND r.value = ? ORDER BY s._id'),
      deleteActivity: p('DELETE FROM apex_streams WHERE _id = ?'),
      contextByUrl: p('SELECT doc FROM apex_contexts WHERE document_url = ?').pluck(),
      upsertContext: p('INSERT INTO apex_contexts (document_url, doc) VALUES (?, ?) ON CONFLICT (document_url) DO UPDATE SET doc = excluded.doc'),
    };
  }

  /** Tables come from migrations; this only upserts the system user (unescaped, like apex). */
  setup(initialUser?: ApexDocument): Promise<unknown> {
    return settle(() => {
      if (!initialUser) return undefined;
      this.sqlite.transaction(() => {
        const existing = this.stmt.objectById.get(documentId(initialUser)) as DocRow | undefined;
        if (existing) this.writeObject(existing._id, initialUser);
        else this.stmt.insertObject.run(documentId(initialUser), isLocalUser(initialUser) ? 1 : 0, toJson(initialUser));
      })();
      return { ok: 1, value: parseDocument(toJson(initialUser)) };
    });
  }

  getObject(id: string, includeMeta?: boolean): Promise<ApexDocument | null> {
    return settle(() => {
      const row = this.stmt.objectById.get(id) as DocRow | undefined;
      // Strictly true: private keys must not leave by accident (apex's comment).
      return row ? this.project(row.doc, includeMeta === true) : null;
    });
  }

  saveObject(object: ApexDocument): Promise<boolean> {
    return settle(() => {
      const result = this.stmt.insertObject.run(documentId(object), isLocalUser(object) ? 1 : 0, toJson(object));
      return result.changes === 1;
    });
  }

  getActivity(id: string, includeMeta?: boolean): Promise<ApexDocument | null> {
    return settle(() => {
      const row = this.stmt.activityById.get(id) as DocRow | undefined;
      return row ? this.project(row.doc, Boolean(includeMeta)) : null;
    });
  }

  findActivityByCollectionAndObjectId(collection: string, objectId: string, includeMeta?: boolean): Promise<ApexDocument | null> {
    return settle(() => {
      const row = this.stmt.byCollectionAndRef.get('object', objectId, collection) as DocRow | undefined;
      return row ? this.project(row.doc, Boolean(includeMeta)) : null;
    });
  }

  findActivityByCollectionAndActorId(collection: string, actorId: string, includeMeta?: boolean): Promise<ApexDocument | null> {
    return settle(() => {
      const row = this.stmt.byCollectionAndRef.get('actor', actorId, collection) as DocRow | undefined;
      return row ? this.project(row.doc, Boolean(includeMeta)) : null;
    });
  }

  getStream(
    collectionId: string,
    limit?: number | null,
    after?: string | null,
    blockList?: readonly string[] | null,
    query?: readonly Record<string, unknown>[] | null,
  ): Promise<ApexStreamItem[]> {
    return settle(() => this.streams.read(collectionId, limit, after, blockList, query));
  }

  getStreamCount(collectionId: string): Promise<number> {
    return settle(() => this.stmt.streamCount.get(collectionId) as number);
  }

  getContext(documentUrl: string): Promise<ApexContext | null> {
    return settle(() => {
      const text = this.stmt.contextByUrl.get(documentUrl) as string | undefined;
      if (text === undefined) return null;
      const context = JSON.parse(text) as ApexContext & { document: string | null };
      return { ...context, document: JSON.parse(String(context.document)) as unknown };
    });
  }

  getUserCount(): Promise<number> {
    return settle(() => this.stmt.userCount.get() as number);
  }

  getUsercount(): Promise<number> {
    return this.getUserCount();
  }

  saveContext({ contextUrl, documentUrl, document }: { contextUrl?: string | null; documentUrl: string; document: unknown }): Promise<unknown> {
    return settle(() => {
      // apex keeps the document as JSON text and parses it on read.
      const text = typeof document === 'string' ? document : JSON.stringify(document ?? null);
      this.stmt.upsertContext.run(documentUrl, toJson({ contextUrl, documentUrl, document: text }));
      return { acknowledged: true };
    });
  }

  saveActivity(activity: ApexDocument): Promise<boolean | undefined> {
    return settle(() => this.saveActivityNow(activity));
  }

  /** `saveActivity`, synchronously: its own transaction, or a savepoint inside the caller's (SqliteStore.storeInbound). */
  saveActivityNow(activity: ApexDocument): true | undefined {
    return this.sqlite.transaction(() => {
      const result = this.stmt.insertActivity.run(documentId(activity), toJson(activity));
      if (result.changes !== 1) return undefined;
      this.writeRefs(Number(result.lastInsertRowid), activity);
      return true as const;
    })();
  }

  removeActivity(activity: { id?: unknown }, actorId: string | null): Promise<{ deletedCount: number }> {
    return settle(() => {
      const row = typeof activity.id === 'string' ? (this.stmt.activityById.get(activity.id) as DocRow | undefined) : undefined;
      if (!row || actorId === null || !streamRefs(parseDocument(row.doc)).some(([k, v]) => k === 'actor' && v === actorId)) {
        return { deletedCount: 0 };
      }
      this.stmt.deleteActivity.run(row._id); // refs go by ON DELETE CASCADE
      return { deletedCount: 1 };
    });
  }

  updateActivity(activity: ApexDocument, fullReplace?: boolean): Promise<ApexDocument> {
    return settle(this.sqlite.transaction(() => {
      const id = documentId(activity);
      const row = this.stmt.activityById.get(id) as DocRow | undefined;
      if (fullReplace) {
        // mongod reports a replacement without `_id` as modified even when
        // identical (its no-op check compares against the stored `_id` too).
        if (row) {
          this.writeActivity(row._id, activity);
          this.updateObjectCopies(activity);
        }
        return parseDocument(toJson(activity));
      }
      if (!row) {
        applyPatch({}, activity); // refuses an empty patch, found or not, as MongoDB does
        return parseDocument(toJson(activity));
      }
      const updated = applyPatch(omitKeys(parseDocument(row.doc), '_id'), activity);
      this.writeActivity(row._id, updated);
      // apex's MongoDB store checks `modifiedCount` on a findOneAndUpdate
      // result, which has none: patched activities never reach their copies.
      return updated;
    }));
  }

  updateActivityMeta(activity: { id?: unknown }, key: string, value: unknown, remove?: boolean): Promise<ApexDocument> {
    return settle(this.sqlite.transaction(() => {
      const row = typeof activity.id === 'string' ? (this.stmt.activityById.get(activity.id) as DocRow | undefined) : undefined;
      if (!row) throw new Error('Error updating activity meta: not found');
      const updated = updateMetaSet(parseDocument(row.doc), key, value, Boolean(remove));
      this.writeActivity(row._id, updated);
      return omitKeys(updated, '_id');
    }));
  }

  generateId(): string {
    // The shape of an ObjectId (apex puts these in IRIs): seconds, then randomness.
    return Math.floor(Date.now() / 1000).toString(16).padStart(8, '0') + randomBytes(8).toString('hex');
  }

  updateObject(obj: ApexDocument, _actorId: string | null, fullReplace?: boolean): Promise<ApexDocument | null | undefined> {
    return settle(this.sqlite.transaction(() => {
      const id = documentId(obj);
      const row = this.stmt.objectById.get(id) as DocRow | undefined;
      let updated: ApexDocument | null | undefined;
      if (fullReplace) {
        // As in updateActivity: found means modified, even when identical.
        updated = row ? parseDocument(toJson(obj)) : undefined;
        if (row) this.writeObject(row._id, obj);
      } else if (!row) {
        applyPatch({}, obj);
        updated = null;
      } else {
        const patched = applyPatch(parseDocument(row.doc), obj);
        this.writeObject(row._id, patched);
        // The patch answers (and copies) the object as projected: without _meta.
        updated = omitKeys(patched, '_id', '_meta');
      }
      if (updated) this.updateObjectCopies(updated);
      return updated;
    }));
  }

  /** Never used: see {@link ApexStore.deliveryDequeue}. */
  deliveryDequeue(): Promise<never> {
    return Promise.reject(new ApexDeliveryQueueUnusedError('deliveryDequeue'));
  }

  deliveryEnqueue(): Promise<never> {
    return Promise.reject(new ApexDeliveryQueueUnusedError('deliveryEnqueue'));
  }

  deliveryRequeue(): Promise<never> {
    return Promise.reject(new ApexDeliveryQueueUnusedError('deliveryRequeue'));
  }

  /** The document as apex's projections give it: never `_id`, `_meta` only when asked. */
  private project(text: string, includeMeta: boolean): ApexDocument {
    const doc = parseDocument(text);
    return includeMeta ? omitKeys(doc, '_id') : omitKeys(doc, '_id', '_meta');
  }

  private writeObject(rowid: number, doc: ApexDocument): void {
    this.stmt.replaceObject.run(isLocalUser(doc) ? 1 : 0, toJson(doc), rowid);
  }

  private writeActivity(rowid: number, doc: ApexDocument): void {
    this.stmt.replaceActivity.run(toJson(doc), rowid);
    this.stmt.deleteRefs.run(rowid);
    this.writeRefs(rowid, doc);
  }

  private writeRefs(rowid: number, doc: ApexDocument): void {
    for (const [kind, value] of streamRefs(doc)) this.stmt.insertRef.run(kind, value, rowid);
  }

  /** apex's updateObjectCopies: denormalized copies in streams (its delivery queue is unused). */
  private updateObjectCopies(object: ApexDocument): void {
    const id = documentId(object);
    for (const row of this.stmt.byRef.all('object.id', id) as DocRow[]) {
      const updated = replaceEmbeddedObject(parseDocument(row.doc), object, id);
      if (updated) this.writeActivity(row._id, updated);
    }
  }
}
