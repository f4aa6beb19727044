/**
 * `backup` and `restore`: the admin commands that work on the store's files
 * instead of through an open store, so cli.ts runs them before opening one
 * (a restore must never create or migrate the database it is about to
 * replace).
 *
 *   backup <file>             consistent copy of the SQLite store, the server may keep running
 *   restore <file> [--force]  put a backup in place as the data directory's database
 *
 * MongoDB is backed up with MongoDB's own tools; both commands say how.
 */
import path from 'node:path';
import { ConfigError, loadProcessConfig, type Config } from '../../config/index.js';
import { BackupError, StoreUnavailableError, backupSqlite, restoreSqlite, type BackupProgress } from '../store/index.js';
import { UsageError } from './commands.js';

export type StorageCommand = { kind: 'backup'; file: string } | { kind: 'restore'; file: string; force: boolean };

const MONGODB_BACKUP =
  'this instance stores its data in MongoDB: back it up with `mongodump --uri "$MONGODB_URL" --archive=hearth.archive --gzip` ' +
  'and restore with `mongorestore --uri "$MONGODB_URL" --archive=hearth.archive --gzip --drop` (see docs/reliability.md)';

/**
 * The storage command in `args` (the command words, `--config` already
 * taken out), or undefined when `args` names another command.
 * @throws UsageError for a storage command with bad arguments.
 */
export function parseStorageCommand(args: readonly string[]): StorageCommand | undefined {
  const [verb, ...rest] = args;
  if (verb !== 'backup' && verb !== 'restore') return undefined;
  const force = verb === 'restore' && rest.includes('--force');
  const positional = rest.filter((a) => !(verb === 'restore' && a === '--force'));
  const unexpected = positional.find((a) => a.startsWith('-'));
  if (unexpected !== undefined) throw new UsageError(`${verb}: unexpected argument "${unexpected}"`);
  const [file, ...extra] = positional;
  if (file === undefined) throw new UsageError(`${verb}: missing <file>; usage: ${verb === 'backup' ? 'backup <file>' : 'restore <file> [--force]'}`);
  if (extra.length > 0) throw new UsageError(`${verb}: unexpected argument "${extra[0]}"`);
  return verb === 'backup' ? { kind: 'backup', file } : { kind: 'restore', file, force };
}

/** Output channels: results on stdout, progress on stderr. */
export interface StorageCommandIo {
  out(line: string): void;
  progress(line: string): void;
}

/**
 * Runs a storage command. Refusals throw {@link UsageError} (exit 2) for bad
 * input, {@link BackupError} (exit 1) for a state that forbids it.
 */
export async function runStorageCommand(command: StorageCommand, config: Config, io: StorageCommandIo): Promise<void> {
  if (config.storage.mongodbUrl) throw new UsageError(MONGODB_BACKUP);
  const dataDir = config.storage.dataDir;
  switch (command.kind) {
    case 'backup': {
      const destination = path.resolve(command.file);
      const report = progressReporter(io);
      const summary = await backupSqlite(dataDir, destination, { onProgress: report });
      const restarted = summary.restarts > 0 ? `, restarted ${summary.restarts} times by concurrent writes` : '';
      io.out(`backup written to ${destination}: ${summary.bytes} bytes, ${summary.pages} pages, schema version ${summary.schemaVersion}, integrity ok${restarted}`);
      return;
    }
    case 'restore': {
      const restored = restoreSqlite(path.resolve(command.file), dataDir, { force: command.force });
      const kept = restored.keptAs === undefined ? '' : `; the database it replaced is kept as ${restored.keptAs}`;
      io.out(`restored ${restored.bytes} bytes (schema version ${restored.schemaVersion}) into ${dataDir}${kept}`);
      return;
    }
  }
}

/** One progress line per tenth of the copy, and only for a copy that takes more than one step. */
function progressReporter(io: StorageCommandIo): (p: BackupProgress) => void {
  let lastTenth = -1;
  return ({ totalPages, copiedPages }) => {
    const tenth = Math.floor((copiedPages * 10) / Math.max(totalPages, 1));
    if (tenth === lastTenth || copiedPages === 0 || copiedPages >= totalPages) return;
    lastTenth = tenth;
    io.progress(`backup: ${Math.floor((copiedPages * 100) / Math.max(totalPages, 1))}% (${copiedPages} of ${totalPages} pages)`);
  };
}

/**
 * The whole command line when it names a storage command: its exit code
 * (0 done, 1 refused by the state of the files, 2 bad input or
 * configuration), or undefined for any other command.
 */
export async function storageCommandMain(argv: readonly string[], fail: (message: string, code: number) => number): Promise<number | undefined> {
  const configArgs: string[] = [];
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--config' && i + 1 < argv.length) configArgs.push(arg, argv[++i] ?? '');
    else if (arg.startsWith('--config=')) configArgs.push(arg);
    else rest.push(arg);
  }
  try {
    const command = parseStorageCommand(rest);
    if (command === undefined) return undefined;
    const { config } = loadProcessConfig(configArgs);
    await runStorageCommand(command, config, {
      out: (line) => process.stdout.write(`${line}\n`),
      progress: (line) => process.stderr.write(`${line}\n`),
    });
    return 0;
  } catch (e) {
    if (e instanceof UsageError) return fail(e.message, 2);
    if (e instanceof ConfigError) return fail(`configuration error: ${e.message}`, 2);
    if (e instanceof BackupError || e instanceof StoreUnavailableError) return fail(e.message, 1);
    throw e;
  }
}
