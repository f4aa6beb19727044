import type { Migration } from '../migrations.js';

/**
 * Accounts, sessions, recovery codes, personas, retired handles and invites.
 *
 * Deleting an account row cascades to its sessions, recovery codes and
 * personas; deleting a persona cascades to the sessions acting as it.
 * Deliberately absent: phone numbers, e-mail addresses, IP addresses, user
 * agents, and creation times of accounts and personas (times of creation
 * would let anyone with the data tie personas created together).
 * `handle_tombstones` holds only the handle (no account, no time, WITHOUT
 * ROWID so not even insertion order): handles retired together stay unlinked.
 * `search_text` is lowercase handle + display name, so that search behaves
 * the same here and on MongoDB (SQLite's LIKE folds only ASCII).
 */
export const accountsSchema: Migration = {
  version: 3,
  name: 'accounts-and-personas',
  up(db) {
    db.exec(`
      CREATE TABLE accounts (
        id TEXT PRIMARY KEY,
        username TEXT NOT NULL UNIQUE,
        password_hash TEXT NOT NULL,
        is_admin INTEGER NOT NULL DEFAULT 0 CHECK (is_admin IN (0, 1))
      ) STRICT;

      CREATE TABLE recovery_codes (
        account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
        code_hash TEXT NOT NULL,
        PRIMARY KEY (account_id, code_hash)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE personas (
        id TEXT PRIMARY KEY,
        account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
        handle TEXT NOT NULL UNIQUE,
        display_name TEXT NOT NULL,
        summary TEXT NOT NULL,
        discoverable INTEGER NOT NULL DEFAULT 0 CHECK (discoverable IN (0, 1)),
        approve_followers INTEGER NOT NULL DEFAULT 0 CHECK (approve_followers IN (0, 1)),
        actor_id TEXT,
        search_text TEXT NOT NULL
      ) STRICT;
      CREATE INDEX personas_account ON personas (account_id);
      CREATE INDEX personas_discoverable ON personas (handle) WHERE discoverable = 1;

      CREATE TABLE sessions (
        id TEXT PRIMARY KEY,
        token_hash TEXT NOT NULL UNIQUE,
        account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
        acting_persona_id TEXT REFERENCES personas (id) ON DELETE CASCADE,
        created_at INTEGER NOT NULL,
        last_used_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX sessions_account ON sessions (account_id);
      CREATE INDEX sessions_acting_persona ON sessions (acting_persona_id);
      CREATE INDEX sessions_last_used ON sessions (last_used_at);

      CREATE TABLE handle_tombstones (
        handle TEXT PRIMARY KEY
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE invites (
        code_hash TEXT PRIMARY KEY,
        created_at INTEGER NOT NULL,
        used_at INTEGER
      ) STRICT;
    `);
  },
};
