/** SQLite-only behaviour of the rooms tables (real database file). */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type Database from 'better-sqlite3';
import { room } from '../../../test/helpers/store-contract-rooms.js';
import { createLogger } from '../../core/logging/logger.js';
import { MIGRATIONS } from './migrations/index.js';
import { openSqliteDatabase } from './open.js';
import { SqliteRoomRepository } from './room-repository.js';

describe('SQLite room invitations', () => {
  let dataDir: string;
  let db: Database.Database;
  before(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-room-repo-'));
    db = openSqliteDatabase(dataDir, MIGRATIONS, createLogger({ level: 'silent', logIpAddresses: false }));
  });
  after(() => {
    db.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('go with their room (ON DELETE CASCADE) and need an existing room', async () => {
    const rooms = new SqliteRoomRepository(db);
    const r = room('p-1', { visibility: 'invite' });
    await rooms.create(r);
    await rooms.addInvitation({ roomId: r.id, personaId: 'p-2', invitedAt: new Date() });
    await assert.rejects(rooms.addInvitation({ roomId: 'no-such-room', personaId: 'p-2', invitedAt: new Date() }), /FOREIGN KEY/);
    db.prepare('DELETE FROM rooms WHERE id = ?').run(r.id);
    assert.equal(db.prepare('SELECT count(*) FROM room_invitations').pluck().get(), 0);
  });
});
