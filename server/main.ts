/**
 * Process entry: configuration -> logger -> instance, then graceful shutdown
 * on SIGTERM/SIGINT. Exit codes: 0 clean stop, 1 startup or runtime failure,
 * 2 bad configuration.
 */
import { ConfigError, exportLibraryEnvironment, loadProcessConfig, redactedConfig } from '../config/index.js';
import { createLogger, LogSink } from './core/logging/logger.js';

const SHUTDOWN_DEADLINE_MS = 9_000;
/** How long an exit waits for the last log lines to reach a slow log reader. */
const LOG_DRAIN_MS = 1_000;

function die(message: string, code: number): never {
  process.stderr.write(`hearth: ${message}\n`);
  process.exit(code);
}

async function main(): Promise<void> {
  let loaded;
  try {
    loaded = loadProcessConfig();
  } catch (e) {
    if (e instanceof ConfigError) die(`configuration error: ${e.message}`, 2);
    throw e;
  }
  const { config, cli } = loaded;
  if (cli.printConfig) {
    process.stdout.write(`${JSON.stringify(redactedConfig(config), null, 2)}\n`);
    return;
  }
  exportLibraryEnvironment(config);
  // Never blocks and never throws, whatever happens to the reader of stdout:
  // a broken log pipe must not stop the server from serving or stopping.
  const sink = new LogSink();
  const log = createLogger({ level: config.log.level, logIpAddresses: config.log.ipAddresses }, sink);

  // Imported after the environment is prepared: mediasoup reads it at load.
  const { startInstance, StartupError } = await import('./instance.js');
  const { StoreUnavailableError } = await import('./store/index.js');
  const { MediaUnavailableError } = await import('../media/index.js');

  let instance;
  try {
    instance = await startInstance(config, log);
  } catch (e) {
    if (e instanceof StartupError || e instanceof StoreUnavailableError || e instanceof MediaUnavailableError) {
      await sink.drain(LOG_DRAIN_MS);
      die(e.message, 1);
    }
    throw e;
  }

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    // The deadline is armed first and owes nothing to logging: it exits even
    // when the log output is stuck (the last lines may then be lost).
    const deadline = setTimeout(() => {
      log.error('shutdown did not finish in time; exiting');
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS);
    deadline.unref();
    log.info({ signal }, 'shutting down');
    const exit = (code: number): void => {
      // Bounded wait for the last lines; the deadline still stands meanwhile.
      process.exitCode = code;
      void sink.drain(LOG_DRAIN_MS).then(() => process.exit(code));
    };
    instance.close().then(
      () => exit(0),
      (e: unknown) => {
        log.error({ err: e }, 'error during shutdown');
        exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((e: unknown) => {
  die(`unexpected failure: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`, 1);
});
