import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { createLogger } from '../../core/logging/logger.js';
import { StoreUnavailableError, openStore, type StoreUnavailableReason } from '../index.js';
import { MIGRATIONS } from './migrations/index.js';
import { DATABASE_FILE } from './open.js';

const log = createLogger({ level: 'silent', logIpAddresses: false });

/** Opening must fail with this reason and a one-line message matching `message`. */
async function assertRefused(dataDir: string, reason: StoreUnavailableReason, message: RegExp): Promise<StoreUnavailableError> {
  const error = await openStore({ dataDir, log }).then(
    () => assert.fail('the store opened'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof StoreUnavailableError, `expected StoreUnavailableError, got ${String(error)}`);
  assert.equal(error.reason, reason);
  assert.match(error.message, message);
  assert.doesNotMatch(error.message, /\n/);
  return error;
}

/** Every file of a directory with its bytes. */
function snapshot(dir: string): Map<string, Buffer> {
  return new Map(fs.readdirSync(dir).map((name) => [name, fs.readFileSync(path.join(dir, name))]));
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

describe('SQLite store refuses what it cannot use, touching nothing', () => {
  let root: string;
  let dataDir: string;
  let file: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-open-'));
    dataDir = path.join(root, 'data');
    file = path.join(dataDir, DATABASE_FILE);
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('creates a missing data directory, nested', async () => {
    const nested = path.join(root, 'a', 'b', 'data');
    const store = await openStore({ dataDir: nested, log });
    await store.close();
    assert.ok(fs.statSync(path.join(nested, DATABASE_FILE)).isFile());
  });

  it('names a data directory that cannot be created (under a regular file, even for root)', async () => {
    const blocker = path.join(root, 'not-a-dir');
    fs.writeFileSync(blocker, 'x');
    const under = path.join(blocker, 'data');
    const error = await assertRefused(under, 'data-dir', new RegExp(`^data directory ${escapeRegExp(under)} cannot be created \\(ENOTDIR\\); .*HEARTH_DATA_DIR`));
    assert.equal(fs.readFileSync(blocker, 'utf8'), 'x');
    assert.ok(error.message.includes(under));
  });

  it('refuses a data directory that is a regular file', async () => {
    fs.writeFileSync(dataDir, 'x');
    await assertRefused(dataDir, 'data-dir', new RegExp(`^data directory ${escapeRegExp(dataDir)} is not a directory; `));
    assert.equal(fs.readFileSync(dataDir, 'utf8'), 'x');
  });

  it('refuses a hearth.sqlite that is not a database and leaves it as it was', async () => {
    fs.mkdirSync(dataDir);
    fs.writeFileSync(file, 'these are my notes, not a database\n'.repeat(200));
    const before = snapshot(dataDir);
    await assertRefused(dataDir, 'not-a-database', new RegExp(`database file ${escapeRegExp(file)} is not an SQLite database; restore`));
    assert.deepEqual(snapshot(dataDir), before);
  });

  it('refuses a corrupt database and leaves it as it was', async () => {
    await (await openStore({ dataDir, log })).close();
    const bytes = fs.readFileSync(file);
    bytes.fill(0xff, 100, 4096); // page 1 after the file header: the schema b-tree
    fs.writeFileSync(file, bytes);
    const before = snapshot(dataDir);
    await assertRefused(dataDir, 'corrupt', new RegExp(`database file ${escapeRegExp(file)} is corrupt \\(SQLITE_`));
    assert.deepEqual(snapshot(dataDir), before);
  });

  it('refuses a database with a newer schema version and leaves it byte for byte', async () => {
    const store = await openStore({ dataDir, log });
    await store.instance.put('keep', 'me');
    await store.close();
    const db = new Database(file);
    db.prepare("INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, 'from-the-future', '2099-01-01T00:00:00.000Z')").run();
    db.close();
    const before = snapshot(dataDir);
    assert.deepEqual([...before.keys()], [DATABASE_FILE]);
    await assertRefused(dataDir, 'schema-too-new', new RegExp(`has schema version 99 but this Hearth knows versions up to ${MIGRATIONS.length}; .*downgrades are not supported`));
    assert.deepEqual(snapshot(dataDir), before);
  });

  it("refuses another program's SQLite database and leaves it as it was", async () => {
    fs.mkdirSync(dataDir);
    const foreign = new Database(file);
    foreign.exec("CREATE TABLE photos (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO photos (name) VALUES ('cat.jpg')");
    foreign.close();
    const before = snapshot(dataDir);
    await assertRefused(dataDir, 'not-a-database', /holds tables but no Hearth schema/);
    assert.deepEqual(snapshot(dataDir), before);
  });

  it('opens an empty hearth.sqlite as a new database', async () => {
    fs.mkdirSync(dataDir);
    fs.writeFileSync(file, '');
    const store = await openStore({ dataDir, log });
    await store.instance.put('k', 1);
    await store.close();
    assert.ok(fs.statSync(file).size > 0);
  });
});

describe('SQLite store deletes for real', () => {
  it('leaves no trace of a deleted value in the database file or its WAL', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-secure-delete-'));
    const marker = 'persona-display-name-that-must-vanish';
    const first = await openStore({ dataDir, log });
    for (let i = 0; i < 50; i++) await first.instance.put(`k${i}`, { filler: 'x'.repeat(200), i });
    await first.instance.put('secret', { name: marker });
    // Closing checkpoints: the value is now in the database file itself, as long-lived data is.
    await first.close();
    assert.equal(fs.readFileSync(path.join(dataDir, 'hearth.sqlite')).includes(Buffer.from(marker)), true, 'the value reached the file');
    const store = await openStore({ dataDir, log });
    await store.instance.delete('secret');
    await store.close();
    const bytes = Buffer.concat(fs.readdirSync(dataDir).map((f) => fs.readFileSync(path.join(dataDir, f))));
    assert.ok(bytes.length > 0);
    assert.equal(bytes.includes(Buffer.from(marker)), false, 'the deleted value is still in the file');
    const reopened = await openStore({ dataDir, log });
    assert.equal(await reopened.instance.get('k49').then((v) => (v as { i: number }).i), 49, 'the other rows are intact');
    await reopened.close();
  });

  it('after a checkpoint, leaves no trace of deleted rows or delivery bodies in the file or its WAL while running', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-secure-delete-'));
    const profile = 'persona-summary-in-a-delivered-update';
    const key = 'PRIVATE-KEY-MATERIAL-THAT-MUST-VANISH';
    const keyId = 'https://hearth.test/u/gone#main-key';
    const first = await openStore({ dataDir, log });
    for (let i = 0; i < 50; i++) await first.instance.put(`k${i}`, { filler: 'x'.repeat(200), i });
    await first.instance.put('secret', { key });
    const now = new Date();
    const job = { inbox: 'https://remote.test/inbox', host: 'remote.test', keyId, privateKeyPem: key, batchId: null };
    await first.delivery.enqueue([
      { ...job, activityId: 'https://hearth.test/a/1', body: JSON.stringify({ id: 'https://hearth.test/a/1', type: 'Update', object: { summary: profile } }) },
      { ...job, activityId: 'https://hearth.test/a/2', body: JSON.stringify({ id: 'https://hearth.test/a/2', type: 'Follow', summary: profile }) },
    ], now);
    const [claimed] = await first.delivery.claim({ host: 'remote.test', now, limit: 1, leaseUntil: new Date(now.getTime() + 60_000), claim: 'c' });
    assert.ok(claimed);
    await first.delivery.settle(claimed.id, 'c', { state: 'delivered', at: now, status: 202, error: null });
    // Long-lived data is in the database file itself (closing checkpoints).
    await first.close();
    const store = await openStore({ dataDir, log });
    try {
      const files = (): Buffer => Buffer.concat(fs.readdirSync(dataDir).map((f) => fs.readFileSync(path.join(dataDir, f))));
      assert.equal(files().includes(Buffer.from(profile)), true, 'the bodies reached the file');
      assert.equal(await store.delivery.deleteForKey(keyId), 2);
      await store.instance.delete('secret');
      // Without a checkpoint the file still holds the old pages: the new ones are only in the WAL.
      assert.equal(fs.readFileSync(path.join(dataDir, 'hearth.sqlite')).includes(Buffer.from(profile)), true);
      await store.checkpoint();
      assert.equal(fs.statSync(path.join(dataDir, 'hearth.sqlite-wal')).size, 0, 'the WAL is truncated');
      const bytes = files();
      assert.equal(bytes.includes(Buffer.from(profile)), false, 'a delivery body is still on disk');
      assert.equal(bytes.includes(Buffer.from(key)), false, 'the key is still on disk');
      assert.equal(await store.instance.get('k49').then((v) => (v as { i: number }).i), 49, 'the other rows are intact');
    } finally {
      await store.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
