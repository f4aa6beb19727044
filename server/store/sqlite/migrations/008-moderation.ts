import type { Migration } from '../migrations.js';

/**
 * Moderation: the moderator role and suspensions (by account, cascading with
 * it), domain blocks, the reports queue and the append-only audit log.
 * Audit entries keep no foreign key: they outlive the account, whose
 * username is then replaced by a placeholder.
 */
export const moderationSchema: Migration = {
  version: 8,
  name: 'moderation',
  up(db) {
    db.exec(`
      CREATE TABLE mod_moderators (
        account_id TEXT PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE
      ) STRICT, WITHOUT ROWID;
      CREATE TABLE mod_suspensions (
        account_id TEXT PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
        suspended_at TEXT NOT NULL,
        reason TEXT NOT NULL
      ) STRICT, WITHOUT ROWID;
      CREATE TABLE mod_domain_blocks (
        domain TEXT PRIMARY KEY,
        level TEXT NOT NULL CHECK (level IN ('suspend', 'limit')),
        reason TEXT NOT NULL,
        public_comment TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      ) STRICT, WITHOUT ROWID;
      CREATE TABLE mod_reports (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        source TEXT NOT NULL CHECK (source IN ('local', 'remote')),
        reporter TEXT NOT NULL,
        target_kind TEXT NOT NULL CHECK (target_kind IN ('persona', 'remote_actor', 'room')),
        target TEXT NOT NULL,
        target_label TEXT NOT NULL,
        room_id TEXT,
        comment TEXT NOT NULL,
        created_at TEXT NOT NULL,
        activity_id TEXT UNIQUE,
        resolution TEXT
      ) STRICT;
      CREATE INDEX mod_reports_open ON mod_reports (resolution IS NULL, seq);
      CREATE TABLE mod_audit_log (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        actor_account_id TEXT,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        target TEXT NOT NULL,
        reason TEXT NOT NULL
      ) STRICT;
      CREATE INDEX mod_audit_actor ON mod_audit_log (actor_account_id) WHERE actor_account_id IS NOT NULL;
      CREATE TRIGGER mod_audit_log_no_update BEFORE UPDATE OF seq, at, action, target, reason ON mod_audit_log
        BEGIN SELECT RAISE(ABORT, 'audit entries cannot be changed'); END;
      CREATE TRIGGER mod_audit_log_no_delete BEFORE DELETE ON mod_audit_log
        BEGIN SELECT RAISE(ABORT, 'audit entries cannot be deleted'); END;
    `);
  },
};
