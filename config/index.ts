/**
 * Configuration: the only module that reads process.env. Everything else
 * receives the typed Config (or the slice it needs) through its constructor.
 */
import { loadConfig, type CliOptions } from './load.js';
import type { Config } from './schema.js';

export { ConfigError, loadConfig, parseArgs, redactedConfig, type CliOptions } from './load.js';
export { configSchema, ENV_BINDINGS, type Config, type ConfigInput } from './schema.js';

/** Loads the configuration from this process's arguments and environment. */
export function loadProcessConfig(argv: readonly string[] = process.argv.slice(2)): { config: Config; cli: CliOptions } {
  return loadConfig(argv, process.env);
}

/**
 * mediasoup reads MEDIASOUP_WORKER_BIN from the environment when its module
 * loads; hand it the configured binary before media/ imports mediasoup.
 */
export function exportLibraryEnvironment(config: Config): void {
  if (config.media.workerBin) process.env.MEDIASOUP_WORKER_BIN = config.media.workerBin;
}
