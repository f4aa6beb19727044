import type { Database } from 'better-sqlite3';
import type { ActorTombstone, FederationRepository, FollowRequest, InboundReport } from '../port.js';
import { urlOnDomain } from '../../core/domains.js';
import { settle } from './settle.js';
import { StatementCache } from './statements.js';

/** SQLite side of {@link FederationRepository} (migration 5 plus apex's tables). */
export class SqliteFederationRepository implements FederationRepository {
  /** Statements prepared once each (see StatementCache). */
  private readonly sql: StatementCache;

  constructor(private readonly db: Database) {
    this.sql = new StatementCache(db);
  }

  putTombstone(tombstone: ActorTombstone): Promise<void> {
    return settle(() => {
      this.sql.get('INSERT OR IGNORE INTO fed_tombstones (actor_id, handle, deleted_at, receipt_id) VALUES (?, ?, ?, ?)')
        .run(tombstone.actorId, tombstone.handle, tombstone.deletedAt, tombstone.receiptId);
    });
  }

  getTombstone(actorId: string): Promise<ActorTombstone | undefined> {
    return settle(() => {
      const row = this.sql.get('SELECT actor_id AS actorId, handle, deleted_at AS deletedAt, receipt_id AS receiptId FROM fed_tombstones WHERE actor_id = ?')
        .get(actorId) as ActorTombstone | undefined;
      return row;
    });
  }

  recordContacts(actorId: string, inboxes: readonly string[]): Promise<void> {
    return settle(() => this.recordContactsNow(actorId, inboxes));
  }

  /** `recordContacts`, synchronously (its own transaction, or a savepoint inside the caller's). */
  recordContactsNow(actorId: string, inboxes: readonly string[]): void {
    const insert = this.sql.get('INSERT OR IGNORE INTO fed_contacts (actor_id, inbox) VALUES (?, ?)');
    this.db.transaction(() => {
      for (const inbox of inboxes) insert.run(actorId, inbox);
    })();
  }

  contacts(actorId: string): Promise<string[]> {
    return settle(() => this.sql.get('SELECT inbox FROM fed_contacts WHERE actor_id = ? ORDER BY inbox').pluck().all(actorId) as string[]);
  }

  purgeActor(actorId: string): Promise<{ objects: number; activities: number }> {
    return settle(() =>
      this.db.transaction(() => {
        const objects = this.sql.get('DELETE FROM apex_objects WHERE id = ?').run(actorId).changes;
        // Every activity by the actor, and every activity whose object is the
        // actor (follows of it, blocks of it): stream_refs index both.
        const activities = this.sql.get(`DELETE FROM apex_streams WHERE _id IN (
              SELECT stream_id FROM apex_stream_refs WHERE kind IN ('actor', 'object', 'object.id') AND value = ?)`)
          .run(actorId).changes;
        this.sql.get('DELETE FROM fed_contacts WHERE actor_id = ?').run(actorId);
        this.sql.get('DELETE FROM fed_follow_requests WHERE local_actor = ? OR remote_actor = ?').run(actorId, actorId);
        this.sql.get('DELETE FROM apex_delivery_queue WHERE actor_id = ?').run(actorId);
        return { objects, activities };
      })(),
    );
  }

  claimInbound(activityId: string, receivedAt: string): Promise<boolean> {
    return settle(() => this.claimInboundNow(activityId, receivedAt));
  }

  /** `claimInbound`, synchronously. */
  claimInboundNow(activityId: string, receivedAt: string): boolean {
    return this.sql.get('INSERT OR IGNORE INTO fed_inbox_seen (activity_id, received_at) VALUES (?, ?)').run(activityId, receivedAt).changes === 1;
  }

  releaseInbound(activityId: string): Promise<void> {
    return settle(() => {
      this.sql.get('DELETE FROM fed_inbox_seen WHERE activity_id = ?').run(activityId);
    });
  }

  putFollowRequest(r: FollowRequest): Promise<void> {
    return settle(() => {
      this.sql.get('INSERT OR REPLACE INTO fed_follow_requests (follow_id, local_actor, remote_actor, received_at) VALUES (?, ?, ?, ?)')
        .run(r.followId, r.localActor, r.remoteActor, r.receivedAt);
    });
  }

  followRequests(localActor: string): Promise<FollowRequest[]> {
    return settle(() => this.sql.get(`SELECT follow_id AS followId, local_actor AS localActor, remote_actor AS remoteActor, received_at AS receivedAt
        FROM fed_follow_requests WHERE local_actor = ? ORDER BY received_at, follow_id`)
      .all(localActor) as FollowRequest[]);
  }

  takeFollowRequest(followId: string): Promise<FollowRequest | undefined> {
    return settle(() => this.db.transaction(() => {
      const row = this.sql.get(`SELECT follow_id AS followId, local_actor AS localActor, remote_actor AS remoteActor, received_at AS receivedAt
          FROM fed_follow_requests WHERE follow_id = ?`)
        .get(followId) as FollowRequest | undefined;
      if (row) this.sql.get('DELETE FROM fed_follow_requests WHERE follow_id = ?').run(followId);
      return row;
    })());
  }

  objectIdsOnDomain(domain: string): Promise<string[]> {
    return settle(() => {
      // A coarse LIKE pre-filter (the domain appears in the id), then the exact host check.
      const ids = this.db.prepare("SELECT id FROM apex_objects WHERE id LIKE ? ESCAPE '\\'").pluck()
        .all(`%${domain.replace(/[\\%_]/g, (c) => `\\${c}`)}%`) as string[];
      return ids.filter((id) => urlOnDomain(id, domain));
    });
  }

  putReport(r: InboundReport): Promise<void> {
    return settle(() => {
      this.sql.get('INSERT OR IGNORE INTO fed_reports (activity_id, reporter, objects, content, received_at) VALUES (?, ?, ?, ?, ?)')
        .run(r.activityId, r.reporter, JSON.stringify(r.objects), r.content, r.receivedAt);
    });
  }

  reports(limit: number): Promise<InboundReport[]> {
    return settle(() => (this.sql.get('SELECT activity_id, reporter, objects, content, received_at FROM fed_reports ORDER BY received_at DESC LIMIT ?')
      .all(limit) as Array<{ activity_id: string; reporter: string; objects: string; content: string; received_at: string }>)
      .map((r) => ({ activityId: r.activity_id, reporter: r.reporter, objects: JSON.parse(r.objects) as string[], content: r.content, receivedAt: r.received_at })));
  }
}
