/**
 * Backup and restore of the SQLite store as files, with SQLite's own online
 * backup: a consistent copy taken while a server keeps writing, and a restore
 * that never touches a database some process has open.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { StoreUnavailableError, errorCode, errorMessage } from '../errors.js';
import { DATABASE_FILE } from './open.js';
import { readSchemaVersion } from './migrations.js';
import { MIGRATIONS } from './migrations/index.js';

/** Pages copied per step of the online backup (4 MiB with SQLite's default 4 KiB pages). */
export const BACKUP_PAGES_PER_STEP = 1024;
/**
 * A write by another connection (the running server) restarts SQLite's
 * online backup from the first page. After this many restarts the rest is
 * copied in one step, under one read transaction: in WAL mode that blocks
 * no writer, and it always finishes.
 */
const RESTARTS_BEFORE_ONE_STEP = 3;
const ALL_PAGES = 0x7fffffff;
/** The database files SQLite keeps beside the main file in WAL mode. */
const SIDE_FILES = ['-wal', '-shm'] as const;

/** How far a backup is. */
export interface BackupProgress {
  readonly totalPages: number;
  readonly copiedPages: number;
}

/** What a finished backup or a checked backup file holds. */
export interface BackupSummary {
  readonly bytes: number;
  readonly pages: number;
  readonly schemaVersion: number;
  /** How often a concurrent write restarted the copy. */
  readonly restarts: number;
}

/** Why a backup or a restore was refused: each maps to one message and an exit code in the CLI. */
export class BackupError extends Error {
  override readonly name = 'BackupError';
  constructor(
    readonly kind: 'no-database' | 'destination-exists' | 'not-a-backup' | 'in-use' | 'target-exists',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * Copies `<dataDir>/hearth.sqlite` to `destination` while other processes
 * (the server) may be writing to it: a transactionally consistent copy, as of
 * one moment. The copy is written beside the destination, checked
 * (`PRAGMA integrity_check`), turned into one self-contained file (rollback
 * journal, no WAL) and only then renamed to `destination`, so a failed
 * backup leaves no half file under that name. Refuses to overwrite anything.
 */
export async function backupSqlite(
  dataDir: string,
  destination: string,
  options: { onProgress?: (p: BackupProgress) => void; pagesPerStep?: number } = {},
): Promise<BackupSummary> {
  const source = path.join(dataDir, DATABASE_FILE);
  if (!fs.existsSync(source)) throw new BackupError('no-database', `no database at ${source}; check HEARTH_DATA_DIR`);
  if (fs.existsSync(destination)) throw new BackupError('destination-exists', `${destination} already exists; name a new file (a backup never overwrites)`);
  const partial = `${destination}.partial`;
  fs.rmSync(partial, { force: true });
  const db = new Database(source, { fileMustExist: true, timeout: 5000 });
  let restarts = 0;
  try {
    const step = options.pagesPerStep ?? BACKUP_PAGES_PER_STEP;
    let lastRemaining = Number.POSITIVE_INFINITY;
    await db.backup(partial, {
      progress: ({ totalPages, remainingPages }) => {
        if (remainingPages > lastRemaining) restarts++;
        lastRemaining = remainingPages;
        options.onProgress?.({ totalPages, copiedPages: totalPages - remainingPages });
        return restarts >= RESTARTS_BEFORE_ONE_STEP ? ALL_PAGES : step;
      },
    });
  } catch (error) {
    fs.rmSync(partial, { force: true });
    throw error;
  } finally {
    db.close();
  }
  try {
    const summary = settleCopy(partial);
    fsyncFile(partial);
    fs.renameSync(partial, destination);
    fsyncDir(path.dirname(destination));
    return { ...summary, restarts };
  } catch (error) {
    fs.rmSync(partial, { force: true });
    throw error;
  }
}

/** Checks a backup file: an intact Hearth database this version can open. */
export function checkBackupFile(file: string): Omit<BackupSummary, 'restarts'> {
  if (!fs.existsSync(file)) throw new BackupError('not-a-backup', `${file} does not exist`);
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    const integrity = db.pragma('integrity_check', { simple: true }) as string;
    if (integrity !== 'ok') throw new BackupError('not-a-backup', `${file} fails SQLite's integrity check (${integrity}); it cannot be restored`);
    const schemaVersion = readSchemaVersion(db);
    if (schemaVersion === 0) throw new BackupError('not-a-backup', `${file} is an SQLite database but not a Hearth backup (no schema_migrations)`);
    if (schemaVersion > MIGRATIONS.length) {
      throw new BackupError('not-a-backup', `${file} has schema version ${schemaVersion}, newer than this Hearth knows (${MIGRATIONS.length}); restore it with the Hearth that made it`);
    }
    const pages = db.pragma('page_count', { simple: true }) as number;
    return { bytes: fs.statSync(file).size, pages, schemaVersion };
  } catch (error) {
    if (error instanceof BackupError) throw error;
    throw new BackupError('not-a-backup', `${file} is not a readable SQLite database (${errorCode(error) ?? errorMessage(error)})`, { cause: error });
  } finally {
    db?.close();
  }
}

/**
 * Whether some process has `<dataDir>/hearth.sqlite` open (a running server
 * keeps its connection open all its life). Asks SQLite itself: an exclusive
 * lock cannot be had while any other connection has the database open in WAL
 * mode. Works after a `kill -9` too, where a pid file would lie.
 */
export function databaseInUse(dataDir: string): boolean {
  const file = path.join(dataDir, DATABASE_FILE);
  if (!fs.existsSync(file)) return false;
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { fileMustExist: true, timeout: 0 });
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
    db.exec('COMMIT');
    return false;
  } catch (error) {
    if (/^SQLITE_(BUSY|LOCKED)/.test(errorCode(error) ?? '')) return true;
    throw new StoreUnavailableError('data-dir', `cannot check ${file} (${errorCode(error) ?? errorMessage(error)})`, { cause: error });
  } finally {
    db?.close();
  }
}

/**
 * Restores `backupFile` as the database of `dataDir`. Refuses while a
 * process has the current database open, and refuses to replace an existing
 * database unless `force`; a replaced database is kept beside it, renamed
 * `hearth.sqlite.before-restore-<time>` (with its WAL), never deleted.
 */
export function restoreSqlite(backupFile: string, dataDir: string, options: { force?: boolean; now?: Date } = {}): Omit<BackupSummary, 'restarts'> & { keptAs?: string } {
  const summary = checkBackupFile(backupFile);
  fs.mkdirSync(dataDir, { recursive: true });
  const target = path.join(dataDir, DATABASE_FILE);
  if (databaseInUse(dataDir)) {
    throw new BackupError('in-use', `${target} is open in a running process (a Hearth server?); stop it before restoring`);
  }
  const existing = [target, ...SIDE_FILES.map((s) => target + s)].filter((f) => fs.existsSync(f));
  if (existing.length > 0 && !options.force) {
    throw new BackupError('target-exists', `${dataDir} already holds a database; pass --force to replace it (it is kept, renamed, beside the restored one)`);
  }
  const incoming = `${target}.restoring`;
  fs.copyFileSync(backupFile, incoming);
  fsyncFile(incoming);
  let keptAs: string | undefined;
  if (existing.length > 0) {
    const stamp = (options.now ?? new Date()).toISOString().replace(/[:.]/g, '-');
    keptAs = `${target}.before-restore-${stamp}`;
    // The WAL goes too: a new main file beside the old WAL would be read as one database.
    for (const file of existing) fs.renameSync(file, keptAs + file.slice(target.length));
  }
  fs.renameSync(incoming, target);
  fsyncDir(dataDir);
  return keptAs === undefined ? summary : { ...summary, keptAs };
}

/** Integrity check, then rollback-journal mode: a backup is one self-contained file. */
function settleCopy(file: string): Omit<BackupSummary, 'restarts'> {
  const db = new Database(file, { fileMustExist: true });
  try {
    db.pragma('journal_mode = DELETE');
  } finally {
    db.close();
  }
  return checkBackupFile(file);
}

function fsyncFile(file: string): void {
  const fd = fs.openSync(file, 'r+');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function fsyncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
