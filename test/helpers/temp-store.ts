/** A real SQLite store in a fresh temporary directory, for tests: reopenable, removed by `dispose`. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from '../../server/core/logging/logger.js';
import { openStore, type Store } from '../../server/store/index.js';

export interface TempStore {
  /** The store open right now (a new one after `reopen`). */
  store(): Store;
  dataDir: string;
  /** Closes the store and opens the same database again. */
  reopen(): Promise<Store>;
  /** Closes the store and deletes its directory. */
  dispose(): Promise<void>;
}

export async function openTempStore(options: { prefix: string; log: Logger }): Promise<TempStore> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), options.prefix));
  let store = await openStore({ dataDir, log: options.log });
  return {
    store: () => store,
    dataDir,
    async reopen() {
      await store.close();
      store = await openStore({ dataDir, log: options.log });
      return store;
    },
    async dispose() {
      await store.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
