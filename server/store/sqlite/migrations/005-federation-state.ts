import type { Migration } from '../migrations.js';

/**
 * Federation state that is not apex's:
 *  - fed_tombstones: deleted local actors; their URLs answer 410 forever and
 *    their handles stay reserved. No link to any account.
 *  - fed_contacts: inboxes each local actor has delivered to, so that a
 *    Delete of the actor reaches every instance that knew it.
 */
export const federationSchema: Migration = {
  version: 5,
  name: 'federation-state',
  up(db) {
    db.exec(`
      CREATE TABLE fed_tombstones (
        actor_id TEXT PRIMARY KEY,
        handle TEXT NOT NULL UNIQUE,
        deleted_at TEXT NOT NULL
      ) STRICT;
      CREATE TABLE fed_contacts (
        actor_id TEXT NOT NULL,
        inbox TEXT NOT NULL,
        PRIMARY KEY (actor_id, inbox)
      ) STRICT, WITHOUT ROWID;
    `);
  },
};
