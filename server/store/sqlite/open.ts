import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Logger } from '../../core/logging/logger.js';
import { StoreUnavailableError, errorCode, errorMessage } from '../errors.js';
import { readSchemaVersion, runMigrations, type Migration } from './migrations.js';

/** The database file inside the data directory. */
export const DATABASE_FILE = 'hearth.sqlite';

const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');
/** How long a write waits for another connection's lock before SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 5000;

/**
 * Opens (creating if needed) `<dataDir>/hearth.sqlite`, checks it, sets the
 * durability PRAGMAs and applies pending migrations.
 *
 * Every check that can refuse the database runs before anything writes to
 * it, so a refused database is left as it was (byte for byte, unless a crash
 * left an un-checkpointed WAL beside it: SQLite folds those same pages into
 * the file when the checking connection closes). Failures an operator can
 * fix throw {@link StoreUnavailableError}.
 */
export function openSqliteDatabase(dataDir: string, migrations: readonly Migration[], log: Logger): Database.Database {
  ensureWritableDirectory(dataDir);
  const file = path.join(dataDir, DATABASE_FILE);
  checkHeader(file);

  let db: Database.Database | undefined;
  try {
    db = new Database(file);
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    // Reads sqlite_master: the first read, where a corrupt file shows.
    const version = readSchemaVersion(db);
    const known = migrations.length;
    if (version > known) {
      throw new StoreUnavailableError(
        'schema-too-new',
        `database ${file} has schema version ${version} but this Hearth knows versions up to ${known}; ` +
          'run the newer Hearth that wrote it (downgrades are not supported) or restore a backup',
      );
    }
    if (version === 0 && hasForeignTables(db)) {
      throw new StoreUnavailableError(
        'not-a-database',
        `database file ${file} holds tables but no Hearth schema; set HEARTH_DATA_DIR to Hearth's own directory or move the file away`,
      );
    }
    // From here on we may write.
    db.pragma('journal_mode = WAL');
    // FULL: every commit fsyncs the WAL, so an acknowledged write survives a
    // crash of the process or of the machine (NORMAL may lose the last ones).
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    // Deleted rows are overwritten with zeros, not left in free pages of the
    // file: deletion of a persona or an account must be real on disk too.
    db.pragma('secure_delete = ON');
    const applied = runMigrations(db, migrations, log);
    log.info({ file, schemaVersion: Math.max(version, ...applied) }, 'sqlite store open');
    return db;
  } catch (error) {
    db?.close();
    throw mapSqliteError(error, file);
  }
}

/** Whether a database without Hearth's migrations table has tables (another program's database). */
function hasForeignTables(db: Database.Database): boolean {
  const count = db
    .prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'schema_migrations'")
    .pluck()
    .get() as number;
  return count > 0;
}

/** Creates the directory if missing and proves a file can be created and synced in it. */
function ensureWritableDirectory(dataDir: string): void {
  try {
    if (!fs.statSync(dataDir).isDirectory()) {
      throw new StoreUnavailableError('data-dir', `data directory ${dataDir} is not a directory; set HEARTH_DATA_DIR to a directory`);
    }
  } catch (error) {
    if (error instanceof StoreUnavailableError) throw error;
    // Missing (or unreachable): mkdir below says which.
  }
  try {
    fs.mkdirSync(dataDir, { recursive: true });
  } catch (error) {
    throw new StoreUnavailableError(
      'data-dir',
      `data directory ${dataDir} cannot be created (${errorCode(error) ?? errorMessage(error)}); ` +
        'create it writable by this user or set HEARTH_DATA_DIR',
      { cause: error },
    );
  }
  // access(W_OK) says yes to root on a read-only mount; really writing is the
  // only check that holds for every user and file system.
  const probe = path.join(dataDir, `.hearth-write-probe-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    const fd = fs.openSync(probe, 'wx');
    try {
      fs.writeSync(fd, 'probe');
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch (error) {
    throw new StoreUnavailableError(
      'data-dir',
      `data directory ${dataDir} is not writable (${errorCode(error) ?? errorMessage(error)}); ` +
        'make it writable by this user or set HEARTH_DATA_DIR',
      { cause: error },
    );
  } finally {
    fs.rmSync(probe, { force: true });
  }
}

/**
 * Refuses an existing non-empty file that does not start with SQLite's magic
 * header, before SQLite sees it (an empty file is a new database to SQLite).
 */
function checkHeader(file: string): void {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return;
    throw new StoreUnavailableError(
      'data-dir',
      `database file ${file} cannot be read (${errorCode(error) ?? errorMessage(error)}); make it readable and writable by this user`,
      { cause: error },
    );
  }
  try {
    const stat = fs.fstatSync(fd);
    if (!stat.isFile()) {
      throw new StoreUnavailableError('not-a-database', `database file ${file} is not a regular file; move it away or set HEARTH_DATA_DIR`);
    }
    if (stat.size === 0) return;
    const header = Buffer.alloc(SQLITE_HEADER.length);
    const read = fs.readSync(fd, header, 0, header.length, 0);
    if (read < header.length || !header.equals(SQLITE_HEADER)) {
      throw new StoreUnavailableError(
        'not-a-database',
        `database file ${file} is not an SQLite database; restore it from a backup, or move it away to start with an empty database`,
      );
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** Turns SQLite's error codes into messages that say what to fix. */
function mapSqliteError(error: unknown, file: string): unknown {
  if (error instanceof StoreUnavailableError) return error;
  const code = errorCode(error) ?? '';
  const detail = `${code}: ${errorMessage(error)}`;
  if (code.startsWith('SQLITE_NOTADB') || code.startsWith('SQLITE_CORRUPT')) {
    return new StoreUnavailableError(
      'corrupt',
      `database file ${file} is corrupt (${detail}); restore it from a backup`,
      { cause: error },
    );
  }
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new StoreUnavailableError(
      'locked',
      `database file ${file} is locked by another process (${detail}); stop the other Hearth using this data directory`,
      { cause: error },
    );
  }
  if (/^SQLITE_(READONLY|CANTOPEN|PERM|IOERR|FULL|AUTH)/.test(code)) {
    return new StoreUnavailableError(
      'data-dir',
      `database file ${file} cannot be opened for writing (${detail}); make it and its directory writable by this user, free disk space, or set HEARTH_DATA_DIR`,
      { cause: error },
    );
  }
  return error;
}
