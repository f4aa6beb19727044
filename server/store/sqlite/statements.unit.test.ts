import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { createLogger } from '../../core/logging/logger.js';
import { SqliteFederationRepository } from './federation-repository.js';
import { MIGRATIONS } from './migrations/index.js';
import { openSqliteDatabase } from './open.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-statements-'));
const db = openSqliteDatabase(dir, MIGRATIONS, createLogger({ level: 'silent', logIpAddresses: false }));
let prepares = 0;
const prepare = db.prepare.bind(db);
db.prepare = ((sql: string) => {
  prepares++;
  return prepare(sql);
});

describe('SQLite statements on the inbox path', () => {
  after(() => {
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('are prepared once, not on every call, and still answer right', async () => {
    const repo = new SqliteFederationRepository(db);
    const at = new Date().toISOString();
    assert.equal(await repo.claimInbound('https://remote.example/a/1', at), true);
    await repo.releaseInbound('https://remote.example/a/1');
    const warm = prepares;
    for (let i = 0; i < 20; i++) {
      assert.equal(await repo.claimInbound(`https://remote.example/b/${i}`, at), true);
      assert.equal(await repo.claimInbound(`https://remote.example/b/${i}`, at), false, 'a second claim is a duplicate');
    }
    assert.equal(await repo.claimInbound('https://remote.example/a/1', at), true, 'a released claim can be taken again');
    await repo.putFollowRequest({ followId: 'https://remote.example/f/1', localActor: 'https://here.example/u/owl', remoteActor: 'https://remote.example/u/fox', receivedAt: at });
    assert.equal((await repo.takeFollowRequest('https://remote.example/f/1'))?.remoteActor, 'https://remote.example/u/fox');
    assert.equal(await repo.takeFollowRequest('https://remote.example/f/1'), undefined);
    const afterFollow = prepares;
    await repo.putFollowRequest({ followId: 'https://remote.example/f/2', localActor: 'https://here.example/u/owl', remoteActor: 'https://remote.example/u/fox', receivedAt: at });
    await repo.takeFollowRequest('https://remote.example/f/2');
    assert.equal(prepares - warm, afterFollow - warm, 'no statement prepared again');
    assert.ok(afterFollow - warm <= 3, `${afterFollow - warm} statements for the follow requests`);
  });
});
