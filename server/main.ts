/**
 * Process entry: configuration -> logger -> instance, then graceful shutdown
 * on SIGTERM/SIGINT. Exit codes: 0 clean stop, 1 startup or runtime failure,
 * 2 bad configuration.
 */
import { ConfigError, exportLibraryEnvironment, loadProcessConfig, redactedConfig } from '../config/index.js';
import { createLogger } from './logging/logger.js';

const SHUTDOWN_DEADLINE_MS = 9_000;

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
  const log = createLogger({ level: config.log.level, logIpAddresses: config.log.ipAddresses });

  // Imported after the environment is prepared: mediasoup reads it at load.
  const { startInstance, StartupError } = await import('./instance.js');
  const { StoreUnavailableError } = await import('./store/index.js');
  const { MediaUnavailableError } = await import('../media/index.js');

  let instance;
  try {
    instance = await startInstance(config, log);
  } catch (e) {
    if (e instanceof StartupError || e instanceof StoreUnavailableError || e instanceof MediaUnavailableError) {
      log.flush();
      die(e.message, 1);
    }
    throw e;
  }

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    const deadline = setTimeout(() => {
      log.error('shutdown did not finish in time; exiting');
      log.flush();
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS);
    deadline.unref();
    instance.close().then(
      () => {
        clearTimeout(deadline);
        log.flush();
        process.exit(0);
      },
      (e: unknown) => {
        log.error({ err: e }, 'error during shutdown');
        log.flush();
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((e: unknown) => {
  die(`unexpected failure: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`, 1);
});
