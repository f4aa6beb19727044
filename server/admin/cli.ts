/**
 * The administration command line, with the server's configuration loading
 * (defaults < config file < environment):
 *
 *   node dist/server/admin/cli.js [--config <file>] invite create [--count N]
 *   node dist/server/admin/cli.js [--config <file>] account grant-admin <username>
 *   node dist/server/admin/cli.js [--config <file>] account revoke-admin <username>
 *   node dist/server/admin/cli.js [--config <file>] domain-block add|update|remove|list ...
 *   node dist/server/admin/cli.js [--config <file>] report list|resolve ...
 *   node dist/server/admin/cli.js [--config <file>] role set <username> admin|moderator|none
 *   node dist/server/admin/cli.js [--config <file>] account suspend|unsuspend <username>
 *   node dist/server/admin/cli.js [--config <file>] audit list [--limit N] [--before CURSOR]
 *   node dist/server/admin/cli.js [--config <file>] backup <file> | restore <file> [--force]  (storage-commands.ts)
 *
 * Exit codes: 0 done; 1 the store cannot be opened or failed; 2 bad input or
 * bad configuration, with a one-line message on standard error. Results go
 * to standard output, logs to standard error.
 */
import { ConfigError, loadProcessConfig } from '../../config/index.js';
import { createLogger } from '../core/logging/logger.js';
import { StoreUnavailableError, openStore } from '../store/index.js';
import { UsageError, parseAdminArgs, runAdminCommand } from './commands.js';
import { storageCommandMain } from './storage-commands.js';

function fail(message: string, code: number): number {
  process.stderr.write(`hearth-admin: ${message.replace(/[\r\n]+/g, ' ')}\n`);
  return code;
}

async function main(argv: readonly string[]): Promise<number> {
  // backup and restore work on the store's files: they run before anything opens the store.
  const storage = await storageCommandMain(argv, fail);
  if (storage !== undefined) return storage;
  let parsed;
  let config;
  try {
    parsed = parseAdminArgs(argv);
    config = loadProcessConfig(parsed.configArgs).config;
  } catch (e) {
    if (e instanceof UsageError) return fail(e.message, 2);
    if (e instanceof ConfigError) return fail(`configuration error: ${e.message}`, 2);
    throw e;
  }
  // Warnings and errors only, and on stderr: stdout carries the codes.
  const log = createLogger({ level: 'warn', logIpAddresses: false }, process.stderr);
  let store;
  try {
    store = await openStore({ dataDir: config.storage.dataDir, mongodbUrl: config.storage.mongodbUrl, log });
  } catch (e) {
    if (e instanceof StoreUnavailableError) return fail(e.message, 1);
    throw e;
  }
  try {
    await runAdminCommand(parsed.command, { store, config, log, out: (line) => process.stdout.write(`${line}\n`) });
    return 0;
  } catch (e) {
    if (e instanceof UsageError) return fail(e.message, 2);
    throw e;
  } finally {
    await store.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.exitCode = fail(`unexpected failure: ${e instanceof Error ? e.message : String(e)}`, 1);
  },
);
