import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it } from 'node:test';
import { MongoClient } from 'mongodb';
import { createLogger } from '../../core/logging/logger.js';
import { StoreUnavailableError, openStore } from '../index.js';
import { MongoApexStore } from './apex-mongo-store.js';
import { databaseName, redact } from './mongo-store.js';

const log = createLogger({ level: 'silent', logIpAddresses: false });

/** A local port nobody listens on (taken, then released). */
async function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function refusal(mongodbUrl: string): Promise<StoreUnavailableError> {
  const error = await openStore({ dataDir: 'unused', mongodbUrl, log }).then(
    () => assert.fail('the store opened'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof StoreUnavailableError, `expected StoreUnavailableError, got ${String(error)}`);
  assert.doesNotMatch(error.message, /\n/);
  return error;
}

// These run without a MongoDB server: they exercise the adapter's refusals only.
describe('MongoDB adapter without a server (no mongod needed)', () => {
  it('fails fast with host:port and without the password when nothing answers', { timeout: 20_000 }, async () => {
    const port = await closedPort();
    const started = Date.now();
    const error = await refusal(`mongodb://hearth:s3cr%40t-pw@127.0.0.1:${port}/hearth`);
    const elapsed = Date.now() - started;
    assert.equal(error.reason, 'mongodb-unreachable');
    assert.match(error.message, new RegExp(`^MONGODB_URL: cannot reach MongoDB at 127\\.0\\.0\\.1:${port} \\(.*\\); check the URL and that mongod is running$`));
    assert.doesNotMatch(error.message, /s3cr|pw/);
    assert.ok(elapsed < 15_000, `took ${elapsed} ms`);
  });

  it('refuses a URL that is not a MongoDB URL, saying what is expected', async () => {
    const error = await refusal('postgres://admin:hunter2@db.example/hearth');
    assert.equal(error.reason, 'mongodb-url');
    assert.match(error.message, /^MONGODB_URL: not a valid MongoDB URL \(.*\); expected mongodb:\/\//);
    assert.doesNotMatch(error.message, /hunter2/);
  });

  it("wraps apex's own store class: ids offline, sync throws turned into rejections", async () => {
    // Never connected: only code paths that do not reach the server run.
    const client = new MongoClient('mongodb://127.0.0.1:1/unused', { serverSelectionTimeoutMS: 100 });
    const apex = new MongoApexStore(client.db('unused'));
    assert.match(apex.generateId(), /^[0-9a-f]{24}$/);
    assert.equal(typeof apex.getUsercount, 'function');
    // apex's getStream throws synchronously on a bad cursor (not 24 hex digits nor 12 bytes);
    // the port promises a rejection.
    const pending = apex.getStream('https://hearth.test/u/alice/inbox', 10, 'not-a-cursor!');
    await assert.rejects(pending, /ApexStore: invalid page value/);
    await client.close();
  });

  it('reads the database name from the URL path', () => {
    assert.equal(databaseName('mongodb://u:p@h1:27017,h2:27018/hearth_prod?replicaSet=rs'), 'hearth_prod');
    assert.equal(databaseName('mongodb+srv://cluster.example/db%2Dx'), 'db-x');
    assert.equal(databaseName('mongodb://127.0.0.1:27017/?replicaSet=rs'), undefined);
    assert.equal(databaseName('mongodb://127.0.0.1:27017'), undefined);
  });

  it('redacts every secret from driver messages, longest first', () => {
    assert.equal(redact('auth failed for user:pa@ss at h, pa@ss', ['user:pa@ss', 'pa@ss']), 'auth failed for [redacted] at h, [redacted]');
  });
});
