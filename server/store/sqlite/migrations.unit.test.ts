import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { createLogger } from '../../core/logging/logger.js';
import { openStore } from '../index.js';
import { runMigrations, validateMigrations, type Migration } from './migrations.js';
import { MIGRATIONS } from './migrations/index.js';
import { DATABASE_FILE, openSqliteDatabase } from './open.js';

const log = createLogger({ level: 'silent', logIpAddresses: false });

interface MigrationRow {
  version: number;
  name: string;
  applied_at: string;
}

function recorded(file: string): MigrationRow[] {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare('SELECT version, name, applied_at FROM schema_migrations ORDER BY version').all() as MigrationRow[];
  } finally {
    db.close();
  }
}

describe('SQLite migrations', () => {
  let dataDir: string;
  let file: string;
  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-migrations-'));
    file = path.join(dataDir, DATABASE_FILE);
  });
  afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('applies every migration once and records it', async () => {
    await (await openStore({ dataDir, log })).close();
    const first = recorded(file);
    assert.deepEqual(first.map((r) => [r.version, r.name]), MIGRATIONS.map((m) => [m.version, m.name]));
    assert.deepEqual(first.slice(0, 2).map((r) => r.name), ['apex-tables', 'instance-settings']);
    for (const row of first) assert.ok(!Number.isNaN(Date.parse(row.applied_at)), row.applied_at);

    await (await openStore({ dataDir, log })).close();
    assert.deepEqual(recorded(file), first);
  });

  it('applies only the migrations appended since, each in its own transaction', () => {
    openSqliteDatabase(dataDir, MIGRATIONS, log).close();
    const next: Migration = {
      version: MIGRATIONS.length + 1,
      name: 'next-feature',
      up: (db) => db.exec('CREATE TABLE next_feature (id TEXT PRIMARY KEY) STRICT'),
    };
    const broken: Migration = {
      version: MIGRATIONS.length + 2,
      name: 'broken',
      up: (db) => {
        db.exec('CREATE TABLE half_done (id TEXT)');
        throw new Error('migration bug');
      },
    };
    const db = new Database(file);
    try {
      assert.throws(() => runMigrations(db, [...MIGRATIONS, next, broken], log), /migration bug/);
      const versions = db.prepare('SELECT version FROM schema_migrations ORDER BY version').pluck().all();
      assert.deepEqual(versions, [...MIGRATIONS.map((m) => m.version), next.version]);
      const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('next_feature', 'half_done')").pluck().all();
      assert.deepEqual(tables, ['next_feature']);
      assert.deepEqual(runMigrations(db, [...MIGRATIONS, next], log), []);
    } finally {
      db.close();
    }
  });

  it('refuses a list with a gap or an out-of-order version', () => {
    const noop = (): void => undefined;
    assert.throws(() => validateMigrations([{ version: 1, name: 'a', up: noop }, { version: 3, name: 'c', up: noop }]), /expected 2/);
    assert.throws(() => validateMigrations([{ version: 2, name: 'b', up: noop }]), /expected 1/);
    assert.doesNotThrow(() => validateMigrations(MIGRATIONS));
  });

  it('opens with WAL, synchronous FULL, foreign keys on, secure delete and a busy timeout', () => {
    const db = openSqliteDatabase(dataDir, MIGRATIONS, log);
    try {
      assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
      assert.equal(db.pragma('synchronous', { simple: true }), 2); // FULL
      assert.equal(db.pragma('foreign_keys', { simple: true }), 1);
      assert.equal(db.pragma('secure_delete', { simple: true }), 1);
      assert.ok((db.pragma('busy_timeout', { simple: true }) as number) >= 1000);
    } finally {
      db.close();
    }
  });
});
