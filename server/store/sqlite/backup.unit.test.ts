/**
 * The SQLite backup and restore mechanics on real database files: progress
 * in steps, a copy that stays consistent while another connection writes
 * between the steps, and the refusals of a restore.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { createLogger } from '../../core/logging/logger.js';
import { BackupError, backupSqlite, checkBackupFile, databaseInUse, openStore, restoreSqlite, type BackupProgress, type Store } from '../index.js';
import { DATABASE_FILE } from './open.js';

const log = createLogger({ level: 'silent', logIpAddresses: false });
const ROWS = 400;

describe('SQLite backup and restore', () => {
  let root: string;
  let dataDir: string;
  let store: Store;
  let writer: Database.Database;

  before(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-backup-unit-'));
    dataDir = path.join(root, 'data');
    store = await openStore({ dataDir, log });
    // A second connection, as the server is to the CLI: ~1.6 MB of settings rows.
    writer = new Database(path.join(dataDir, DATABASE_FILE));
    const insert = writer.prepare("INSERT INTO instance_settings (key, value, updated_at) VALUES (?, ?, '2026-01-01')");
    writer.transaction(() => {
      for (let i = 0; i < ROWS; i++) insert.run(`seed-${i}`, JSON.stringify('x'.repeat(4000)));
    })();
  });
  after(async () => {
    writer.close();
    await store.close();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('copies in steps with progress, and a copy taken under concurrent writes is consistent', async () => {
    const progress: BackupProgress[] = [];
    let extra = 0;
    const insert = writer.prepare("INSERT INTO instance_settings (key, value, updated_at) VALUES (?, ?, '2026-01-02')");
    // Commits between the backup's steps, as a busy server does: each restarts SQLite's copy.
    let writing = true;
    const tick = (): void => {
      if (!writing) return;
      writer.transaction(() => {
        insert.run(`during-${extra}`, 'y'.repeat(100));
        insert.run(`during-${extra}-pair`, 'y'.repeat(100));
      })();
      extra++;
      setImmediate(tick);
    };
    setImmediate(tick);
    const file = path.join(root, 'copy.sqlite');
    const summary = await backupSqlite(dataDir, file, { pagesPerStep: 40, onProgress: (p) => progress.push(p) });
    writing = false;
    assert.ok(progress.length >= 5, `only ${progress.length} progress reports`);
    assert.ok(progress.some((p) => p.copiedPages > 0 && p.copiedPages < p.totalPages), 'no partial progress reported');
    assert.ok(summary.restarts >= 1, 'the concurrent writes never restarted the copy');
    assert.ok(extra > 0);
    const copy = new Database(file, { readonly: true });
    try {
      assert.equal(copy.pragma('integrity_check', { simple: true }), 'ok');
      const seeded = copy.prepare("SELECT count(*) FROM instance_settings WHERE key LIKE 'seed-%'").pluck().get();
      assert.equal(seeded, ROWS);
      // Both rows of every transaction, or neither: one moment's state.
      const single = copy.prepare("SELECT count(*) FROM instance_settings WHERE key LIKE 'during-%' AND key NOT LIKE '%-pair'").pluck().get();
      const pairs = copy.prepare("SELECT count(*) FROM instance_settings WHERE key LIKE 'during-%-pair'").pluck().get();
      assert.equal(single, pairs);
    } finally {
      copy.close();
    }
    assert.equal(checkBackupFile(file).pages, summary.pages);
    await assert.rejects(backupSqlite(dataDir, file), (e: unknown) => e instanceof BackupError && e.kind === 'destination-exists');
  });

  it('refuses a restore over a database that is open, and over any database without force', async () => {
    const file = path.join(root, 'for-restore.sqlite');
    await backupSqlite(dataDir, file);
    assert.equal(databaseInUse(dataDir), true);
    assert.throws(() => restoreSqlite(file, dataDir, { force: true }), (e: unknown) => e instanceof BackupError && e.kind === 'in-use');

    // A stopped instance with its own, different data.
    const stopped = path.join(root, 'stopped');
    const other = new Database(path.join(root, 'other.sqlite'));
    other.exec("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL); CREATE TABLE marker (x)");
    other.exec("INSERT INTO marker VALUES ('the replaced database')");
    other.close();
    fs.mkdirSync(stopped);
    fs.copyFileSync(path.join(root, 'other.sqlite'), path.join(stopped, DATABASE_FILE));
    assert.equal(databaseInUse(stopped), false);
    assert.throws(() => restoreSqlite(file, stopped), (e: unknown) => e instanceof BackupError && e.kind === 'target-exists');
    const done = restoreSqlite(file, stopped, { force: true, now: new Date('2026-01-01T00:00:00Z') });
    assert.equal(done.keptAs, path.join(stopped, `${DATABASE_FILE}.before-restore-2026-01-01T00-00-00-000Z`));
    const kept = new Database(done.keptAs, { readonly: true });
    assert.equal(kept.prepare('SELECT x FROM marker').pluck().get(), 'the replaced database');
    kept.close();
    const reopened = await openStore({ dataDir: stopped, log });
    assert.ok(await reopened.ping());
    assert.notEqual(await reopened.instance.get('seed-7'), undefined, 'the restored data is served');
    await reopened.close();
  });

  it('refuses files that are not an intact Hearth backup', () => {
    const garbage = path.join(root, 'garbage.sqlite');
    fs.writeFileSync(garbage, 'not a database at all, just words');
    assert.throws(() => checkBackupFile(garbage), (e: unknown) => e instanceof BackupError && e.kind === 'not-a-backup');
    const foreign = path.join(root, 'foreign.sqlite');
    const db = new Database(foreign);
    db.exec('CREATE TABLE notes (x)');
    db.close();
    assert.throws(() => checkBackupFile(foreign), /not a Hearth backup/);
    assert.throws(() => checkBackupFile(path.join(root, 'missing.sqlite')), /does not exist/);
  });
});
