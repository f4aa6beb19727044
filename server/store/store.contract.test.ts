/**
 * The storage contract, run against every adapter: always SQLite; MongoDB
 * when MONGODB_URL is set or a mongod binary is on the PATH, and otherwise
 * reported as skipped (never as passed).
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe } from 'node:test';
import { MongoClient } from 'mongodb';
import { createLogger } from '../core/logging/logger.js';
import { defineStoreContract, type StoreHarness } from '../../test/helpers/store-contract.js';
import { MONGO_SKIP_REASON, findMongoTarget, startMongo, withDatabase, type MongoServer } from '../../test/helpers/store-mongod.js';
import { openStore } from './index.js';
import { openTempStore } from '../../test/helpers/temp-store.js';

const log = createLogger({ level: 'silent', logIpAddresses: false });

const sqliteHarness: StoreHarness = {
  kind: 'sqlite',
  async open() {
    const temp = await openTempStore({ prefix: 'hearth-store-', log });
    return { store: temp.store(), reopen: () => temp.reopen(), dispose: () => temp.dispose() };
  },
};

describe('store contract: SQLite adapter', () => {
  defineStoreContract(sqliteHarness);
});

const mongoTarget = findMongoTarget();
if (mongoTarget.kind === 'none') {
  // Under `node --test` the runner turns this stdout line into a TAP comment itself.
  const line = `MongoDB adapter: SKIPPED (${MONGO_SKIP_REASON})`;
  console.log(process.env.NODE_TEST_CONTEXT ? line : `# ${line}`);
}

describe('store contract: MongoDB adapter', mongoTarget.kind === 'none' ? { skip: MONGO_SKIP_REASON } : {}, () => {
  let server: MongoServer | undefined;
  let admin: MongoClient | undefined;
  before(async () => {
    if (mongoTarget.kind === 'none') return;
    server = await startMongo(mongoTarget);
    admin = new MongoClient(server.url, { serverSelectionTimeoutMS: 5000 });
    await admin.connect();
  });
  after(async () => {
    await admin?.close();
    await server?.stop();
  });

  const mongoHarness: StoreHarness = {
    kind: 'mongodb',
    async open() {
      if (!server || !admin) throw new Error('MongoDB test server not started');
      // A database of its own per test: a configured MONGODB_URL's database is never touched.
      const database = `hearth_test_${randomBytes(6).toString('hex')}`;
      const mongodbUrl = withDatabase(server.url, database);
      const dataDir = path.join(os.tmpdir(), 'hearth-unused');
      const client = admin;
      let store = await openStore({ dataDir, mongodbUrl, log });
      return {
        store,
        async reopen() {
          await store.close();
          store = await openStore({ dataDir, mongodbUrl, log });
          return store;
        },
        async dispose() {
          await store.close();
          await client.db(database).dropDatabase();
        },
      };
    },
  };
  defineStoreContract(mongoHarness);
});
