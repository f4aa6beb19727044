import type { Migration } from '../migrations.js';

/**
 * Federation state that is not apex's:
 *  - fed_tombstones: deleted local actors; their URLs answer 410 forever and
 *    their handles stay reserved. No link to any account.
 *  - fed_contacts: inboxes each local actor has delivered to, so that a
 *    Delete of the actor reaches every instance that knew it.
 *  - fed_inbox_seen: ids of inbound activities already processed (the same
 *    activity delivered twice has its side effects once).
 *  - fed_follow_requests: follows waiting for a persona's approval.
 *  - fed_reports: inbound Flag activities, for moderators.
 */
export const federationSchema: Migration = {
  version: 5,
  name: 'federation-state',
  up(db) {
    db.exec(`
      CREATE TABLE fed_tombstones (
        actor_id TEXT PRIMARY KEY,
        handle TEXT NOT NULL UNIQUE,
        deleted_at TEXT NOT NULL,
        receipt_id TEXT NOT NULL
      ) STRICT;
      CREATE TABLE fed_contacts (
        actor_id TEXT NOT NULL,
        inbox TEXT NOT NULL,
        PRIMARY KEY (actor_id, inbox)
      ) STRICT, WITHOUT ROWID;
      CREATE TABLE fed_inbox_seen (
        activity_id TEXT PRIMARY KEY,
        received_at TEXT NOT NULL
      ) STRICT;
      CREATE TABLE fed_follow_requests (
        follow_id TEXT PRIMARY KEY,
        local_actor TEXT NOT NULL,
        remote_actor TEXT NOT NULL,
        received_at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX fed_follow_requests_local ON fed_follow_requests (local_actor);
      CREATE INDEX fed_follow_requests_remote ON fed_follow_requests (remote_actor);
      CREATE TABLE fed_reports (
        activity_id TEXT PRIMARY KEY,
        reporter TEXT NOT NULL,
        objects TEXT NOT NULL,
        content TEXT NOT NULL,
        received_at TEXT NOT NULL
      ) STRICT;
    `);
  },
};
