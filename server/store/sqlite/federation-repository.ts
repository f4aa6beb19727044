import type { Database } from 'better-sqlite3';
import type { ActorTombstone, FederationRepository } from '../port.js';
import { settle } from './settle.js';

/** SQLite side of {@link FederationRepository} (migration 5 plus apex's tables). */
export class SqliteFederationRepository implements FederationRepository {
  constructor(private readonly db: Database) {}

  putTombstone(tombstone: ActorTombstone): Promise<void> {
    return settle(() => {
      this.db
        .prepare('INSERT OR IGNORE INTO fed_tombstones (actor_id, handle, deleted_at) VALUES (?, ?, ?)')
        .run(tombstone.actorId, tombstone.handle, tombstone.deletedAt);
    });
  }

  getTombstone(actorId: string): Promise<ActorTombstone | undefined> {
    return settle(() => {
      const row = this.db
        .prepare('SELECT actor_id AS actorId, handle, deleted_at AS deletedAt FROM fed_tombstones WHERE actor_id = ?')
        .get(actorId) as ActorTombstone | undefined;
      return row;
    });
  }

  recordContacts(actorId: string, inboxes: readonly string[]): Promise<void> {
    return settle(() => {
      const insert = this.db.prepare('INSERT OR IGNORE INTO fed_contacts (actor_id, inbox) VALUES (?, ?)');
      this.db.transaction(() => {
        for (const inbox of inboxes) insert.run(actorId, inbox);
      })();
    });
  }

  contacts(actorId: string): Promise<string[]> {
    return settle(() => this.db.prepare('SELECT inbox FROM fed_contacts WHERE actor_id = ? ORDER BY inbox').pluck().all(actorId) as string[]);
  }

  purgeActor(actorId: string): Promise<{ objects: number; activities: number }> {
    return settle(() =>
      this.db.transaction(() => {
        const objects = this.db.prepare('DELETE FROM apex_objects WHERE id = ?').run(actorId).changes;
        // Every activity by the actor, and every activity whose object is the
        // actor (follows of it, blocks of it): stream_refs index both.
        const activities = this.db
          .prepare(`DELETE FROM apex_streams WHERE _id IN (
              SELECT stream_id FROM apex_stream_refs WHERE kind IN ('actor', 'object', 'object.id') AND value = ?)`)
          .run(actorId).changes;
        this.db.prepare('DELETE FROM fed_contacts WHERE actor_id = ?').run(actorId);
        this.db.prepare('DELETE FROM apex_delivery_queue WHERE actor_id = ?').run(actorId);
        return { objects, activities };
      })(),
    );
  }
}
