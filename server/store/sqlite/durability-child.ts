/**
 * Helper process of durability.test.ts (not part of the server): opens the
 * store in the given data directory and writes forever, printing the id of
 * each write once the store acknowledged it, until the parent kills it.
 */
import { createLogger } from '../../core/logging/logger.js';
import { openStore } from '../index.js';

const dataDir = process.argv[2];
if (!dataDir) {
  console.error('usage: node durability-child.js <dataDir>');
  process.exit(2);
}
// If the parent is gone, so is our reason to write.
process.stdout.on('error', () => process.exit(0));
const stopAt = Date.now() + 60_000;

const store = await openStore({ dataDir, log: createLogger({ level: 'silent', logIpAddresses: false }) });
for (let i = 0; Date.now() < stopAt; i++) {
  const id = `ack-${i}`;
  // Both write paths: apex activities (with their index rows) and instance settings.
  if (i % 2 === 0) {
    await store.apex.saveActivity({
      id: `https://hearth.test/s/${id}`,
      type: 'Create',
      actor: ['https://hearth.test/u/alice'],
      _meta: { collection: ['https://hearth.test/u/alice/outbox'] },
    });
  } else {
    await store.instance.put(id, { i });
  }
  // stdout to a pipe is synchronous on Linux: the line is out before the next write starts.
  process.stdout.write(`${id}\n`);
}
await store.close();
