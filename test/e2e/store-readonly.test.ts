/**
 * A data directory that turns read-only under a running instance, shown by a
 * fault injected at the store port: the instance is built in this process by
 * the composition root, and the SQLite store's own connection is handed to
 * the test (the `onSqliteConnection` override), which switches
 * `PRAGMA query_only` on and off. While on, SQLite itself refuses every write
 * with SQLITE_READONLY ("attempt to write a readonly database"), the error a
 * read-only file gives. (A real read-only remount cannot be made while the
 * server holds the files open for writing; see docs/reliability.md.)
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { loadConfig } from '../../config/index.js';
import { buildInstance, type BuiltInstance } from '../../server/composition-root.js';
import { createLogger } from '../../server/core/logging/logger.js';
import { SQLITE_DATABASE_FILE, type SqliteConnection } from '../../server/store/index.js';
import { Client } from '../helpers/accounts-harness.js';

interface LogLine {
  level: number;
  msg?: string;
  module?: string;
  code?: string;
  refused?: number;
}

describe('store faults: the data directory turns read-only (injected at the store port)', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-readonly-'));
  const lines: LogLine[] = [];
  let built: BuiltInstance | undefined;
  let server: http.Server | undefined;
  after(async () => {
    server?.closeAllConnections();
    if (server?.listening) await new Promise<void>((resolve) => server?.close(() => resolve()));
    await built?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers writes 503 while read-only, keeps serving reads, and writes again once the fault clears', { timeout: 60_000 }, async () => {
    server = http.createServer();
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const { config } = loadConfig([], { HEARTH_DATA_DIR: dataDir, HEARTH_PUBLIC_URL: base, HEARTH_SIGNUP_PER_CLIENT: '100' });
    const log = createLogger({ level: 'info', logIpAddresses: false }, { write: (s: string) => void lines.push(JSON.parse(s) as LogLine) });
    let connection: SqliteConnection | undefined;
    built = await buildInstance(config, {
      log,
      version: 'test',
      overrides: { startMedia: false, onSqliteConnection: (db) => (connection = db) },
    });
    assert.ok(connection, 'the store handed over its connection');
    const db = connection;
    server.on('request', built.app);
    const readOnly = (on: boolean): void => void db.pragma(`query_only = ${on ? 'ON' : 'OFF'}`);

    const client = new Client(base);
    assert.equal((await client.post('/api/v1/accounts', { username: 'early', password: 'early long password' })).status, 201);
    assert.equal((await client.post('/api/v1/personas', { handle: 'dormouse', displayName: 'Dormouse' })).status, 201);
    const room = await client.post('/api/v1/rooms', { title: 'Before the fault', visibility: 'public' });
    assert.equal(room.status, 201, JSON.stringify(room.body));
    const roomId = room.body.id as string;
    assert.equal((await client.patch('/api/v1/personas/dormouse', { summary: 'written before the fault' })).status, 200);

    readOnly(true);
    // The connection itself now refuses writes, as a read-only file would.
    assert.throws(() => db.prepare('UPDATE personas SET summary = summary').run(), (e: { code?: string; message?: string }) =>
      e.code === 'SQLITE_READONLY' && e.message === 'attempt to write a readonly database');

    const writes = [
      () => client.patch('/api/v1/personas/dormouse', { summary: 'written during the fault' }),
      () => new Client(base).post('/api/v1/accounts', { username: 'latecomer', password: 'latecomer long password' }),
      () => client.post('/api/v1/rooms', { title: 'During the fault', visibility: 'public' }),
      () => client.patch('/api/v1/personas/dormouse', { summary: 'written during the fault, again' }),
    ];
    for (const write of writes) {
      const res = await write();
      assert.equal(res.status, 503, JSON.stringify(res.body));
      assert.equal(res.body.error, 'store_unavailable');
      assert.equal(res.headers.get('retry-after'), '30');
    }

    // Reads go on.
    const read = await client.get(`/api/v1/rooms/${roomId}`);
    assert.equal(read.status, 200, JSON.stringify(read.body));
    assert.equal(read.body.title, 'Before the fault');
    const personas = await client.get('/api/v1/personas');
    assert.equal(personas.status, 200, JSON.stringify(personas.body));
    assert.match(JSON.stringify(personas.body), /written before the fault/);

    const faultLines = lines.filter((l) => l.msg?.startsWith('the store cannot write'));
    assert.equal(faultLines.length, 1, 'one log line for the fault');
    assert.equal(faultLines[0]?.code, 'SQLITE_READONLY');
    const errors = lines.filter((l) => l.level >= 50);
    assert.deepEqual(errors, faultLines, 'no other error lines');

    // The fault clears: the next write works, without a restart, and that is logged once.
    readOnly(false);
    const again = await client.patch('/api/v1/personas/dormouse', { summary: 'written after the fault' });
    assert.equal(again.status, 200, JSON.stringify(again.body));
    assert.equal((await new Client(base).post('/api/v1/accounts', { username: 'latecomer', password: 'latecomer long password' })).status, 201);
    assert.equal((await client.post('/api/v1/rooms', { title: 'After the fault', visibility: 'public' })).status, 201);
    const resumed = lines.filter((l) => l.msg === 'the store writes again');
    assert.equal(resumed.length, 1, 'one log line for the end of the fault');
    assert.equal(resumed[0]?.refused, writes.length);

    server.closeAllConnections();
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    await built.close();
    built = undefined;
    const check = new Database(path.join(dataDir, SQLITE_DATABASE_FILE), { readonly: true });
    try {
      assert.equal(check.pragma('integrity_check', { simple: true }), 'ok');
      assert.equal(check.prepare('SELECT summary FROM personas WHERE handle = ?').pluck().get('dormouse'), 'written after the fault');
      assert.equal(check.prepare("SELECT count(*) FROM accounts WHERE username IN ('early', 'latecomer')").pluck().get(), 2);
      assert.deepEqual(check.prepare('SELECT title FROM rooms ORDER BY title').pluck().all(), ['After the fault', 'Before the fault']);
    } finally {
      check.close();
    }
  });
});
