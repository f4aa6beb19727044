import type { Database } from 'better-sqlite3';
import type { Logger } from '../../core/logging/logger.js';

/**
 * One forward-only schema change. Later features append theirs to the list in
 * `migrations/index.ts` (accounts, personas, rooms...); a migration, once
 * released, is never edited or removed: databases out there have applied it.
 */
export interface Migration {
  /** 1, 2, 3...: consecutive, in list order. */
  readonly version: number;
  /** Short kebab-case description, recorded in `schema_migrations`. */
  readonly name: string;
  /** Runs inside the migration's own transaction; throw to roll it back. */
  up(db: Database): void;
}

/** Checks the list itself: a gap or a reordering is a programming error, caught at boot. */
export function validateMigrations(migrations: readonly Migration[]): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) {
      throw new Error(`migration "${m.name}" has version ${m.version}, expected ${i + 1}: versions must be consecutive from 1`);
    }
    if (!/^[a-z0-9][a-z0-9-]*$/.test(m.name)) {
      throw new Error(`migration ${m.version} has an invalid name "${m.name}": use kebab-case`);
    }
  });
}

/**
 * The highest applied schema version, 0 for a database that never ran one.
 * Only reads: it runs before anything may write, so that a database from a
 * newer Hearth is refused untouched.
 */
export function readSchemaVersion(db: Database): number {
  const table = db
    .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'")
    .get();
  if (table === undefined) return 0;
  const row = db.prepare('SELECT max(version) AS version FROM schema_migrations').get() as { version: number | null };
  return row.version ?? 0;
}

/**
 * Applies every migration above the database's version, each in its own
 * IMMEDIATE transaction (so two processes booting at once cannot both apply
 * one), and records it. Answers the versions it applied.
 */
export function runMigrations(db: Database, migrations: readonly Migration[], log: Logger): number[] {
  validateMigrations(migrations);
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at TEXT NOT NULL
  )`);
  const isApplied = db.prepare('SELECT name FROM schema_migrations WHERE version = ?').pluck();
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  const applied: number[] = [];
  for (const migration of migrations) {
    const apply = db.transaction(() => {
      const recordedName = isApplied.get(migration.version) as string | undefined;
      if (recordedName !== undefined) {
        if (recordedName !== migration.name) {
          // Not fatal: names may be reworded; versions are what count.
          log.warn({ version: migration.version, recorded: recordedName, code: migration.name }, 'migration name differs from the recorded one');
        }
        return false;
      }
      migration.up(db);
      record.run(migration.version, migration.name, new Date().toISOString());
      return true;
    });
    if (apply.immediate()) {
      applied.push(migration.version);
      log.info({ version: migration.version, name: migration.name }, 'applied schema migration');
    }
  }
  return applied;
}
