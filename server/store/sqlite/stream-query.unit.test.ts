import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { createLogger } from '../../core/logging/logger.js';
import { openStore } from '../index.js';
import { compileStreamQuery } from './stream-query.js';

const follow = { id: 'f', type: 'Follow', actor: ['a'], object: [{ id: 'o', type: ['Note', 'Article'], tag: null }], n: 3 };
const like = { id: 'l', type: 'Like', actor: ['b'], object: ['o'] };

function run(query: Record<string, unknown>[]): unknown[] {
  const predicate = compileStreamQuery(query);
  assert.ok(predicate);
  return [follow, like].filter(predicate).map((doc) => doc.id);
}

describe('SQLite getStream query subset', () => {
  it('compiles nothing for an absent or empty query', () => {
    assert.equal(compileStreamQuery(undefined), undefined);
    assert.equal(compileStreamQuery(null), undefined);
    assert.equal(compileStreamQuery([]), undefined);
  });

  it('matches like MongoDB: equality into arrays, dotted paths, operators, $and/$or/$nor', () => {
    assert.deepEqual(run([{ $match: { type: 'Like' } }]), ['l']);
    assert.deepEqual(run([{ $match: { actor: 'a' } }]), ['f']);
    assert.deepEqual(run([{ $match: { 'object.type': 'Article' } }]), ['f']);
    assert.deepEqual(run([{ $match: { 'object.0.id': 'o' } }]), ['f']);
    assert.deepEqual(run([{ $match: { object: 'o' } }]), ['l']);
    assert.deepEqual(run([{ $match: { type: { $ne: 'Like' } } }]), ['f']);
    assert.deepEqual(run([{ $match: { type: { $nin: ['Like', 'Follow'] } } }]), []);
    assert.deepEqual(run([{ $match: { n: { $exists: true } } }]), ['f']);
    assert.deepEqual(run([{ $match: { n: null } }]), ['l']);
    assert.deepEqual(run([{ $match: { 'object.tag': null } }]), ['f', 'l']);
    assert.deepEqual(run([{ $match: { $or: [{ type: 'Like' }, { n: 3 }] } }]), ['f', 'l']);
    assert.deepEqual(run([{ $match: { $nor: [{ type: 'Like' }] } }]), ['f']);
    assert.deepEqual(run([{ $match: { $and: [{ type: 'Follow' }, { actor: 'b' }] } }]), []);
    assert.deepEqual(run([{ $match: { actor: 'a' } }, { $match: { type: 'Like' } }]), []);
  });

  it('throws a clear error for shapes it does not support', () => {
    const unsupported = [
      [{ $group: { _id: '$type' } }],
      [{ $match: { type: 'Like' }, $limit: 1 }],
      [{ $match: { type: { $regex: '^L' } } }],
      [{ $match: { object: { id: 'o' } } }],
      [{ $match: { $where: 'true' } }],
      [{ $match: { type: { $in: 'Like' } } }],
      'not an array',
    ];
    for (const query of unsupported) {
      assert.throws(() => compileStreamQuery(query as unknown as Record<string, unknown>[]), /SQLite store: unsupported getStream query .*; supported:/);
    }
  });

  it('makes getStream reject an unsupported query instead of ignoring it', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-query-'));
    const store = await openStore({ dataDir, log: createLogger({ level: 'silent', logIpAddresses: false }) });
    try {
      await assert.rejects(
        store.apex.getStream('https://hearth.test/u/alice/inbox', 10, null, null, [{ $sort: { published: -1 } }]),
        /unsupported getStream query \[?\{"\$sort"/,
      );
    } finally {
      await store.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
