/**
 * Helper process of durability.test.ts (not part of the server): runs a
 * delivery queue on the store in the given data directory, enqueues
 * activities to the given inbox forever and prints the id of each once
 * `enqueue` acknowledged it, until the parent kills it with SIGKILL.
 */
import { setImmediate } from 'node:timers/promises';
import { createLogger } from '../../server/core/logging/logger.js';
import { openStore } from '../../server/store/index.js';
import { DeliveryQueue } from './index.js';
import { loopbackFetcher, testKeys } from './test-fixtures/inbox-server.js';

const [dataDir, inbox] = [process.argv[2], process.argv[3]];
if (!dataDir || !inbox) {
  console.error('usage: node durability-child.js <dataDir> <inboxUrl>');
  process.exit(2);
}
// If the parent is gone, so is our reason to run.
process.stdout.on('error', () => process.exit(0));
const stopAt = Date.now() + 60_000;
const { privateKeyPem } = testKeys();

const log = createLogger({ level: 'silent', logIpAddresses: false });
const store = await openStore({ dataDir, log });
const fetcher = loopbackFetcher(30_000);
// The runner claims (leases) jobs while we enqueue: the parent's inbox holds those posts until the kill.
const queue = new DeliveryQueue({ repository: store.delivery, http: fetcher, log });
queue.start();
for (let i = 0; Date.now() < stopAt; i++) {
  const id = `https://hearth.test/activities/durable-${i}`;
  const result = await queue.enqueue({ activity: { id, type: 'Create' }, inboxes: [inbox], keyId: 'https://hearth.test/u/a#main-key', privateKeyPem });
  if (!result.ok || result.value.queued !== 1) {
    console.error(`enqueue failed: ${JSON.stringify(result)}`);
    process.exit(1);
  }
  // stdout to a pipe is synchronous on Linux: the line is out before the next enqueue starts.
  process.stdout.write(`${id}\n`);
  // SQLite answers synchronously: without yielding, this loop would starve the runner's sockets.
  await setImmediate();
}
await queue.stop();
await store.close();
