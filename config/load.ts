import fs from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import { configSchema, ENV_BINDINGS, ENV_CONTROL, type Config, type EnvBinding } from './schema.js';

/** A configuration problem: names the key, the value's problem and the expected form. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** What the command line may say; everything else is configuration. */
export interface CliOptions {
  configPath?: string;
  printConfig: boolean;
}

export function parseArgs(argv: readonly string[]): CliOptions {
  const options: CliOptions = { printConfig: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--print-config') options.printConfig = true;
    else if (arg === '--config') {
      const value = argv[++i];
      if (!value) throw new ConfigError('--config: missing value; expected --config <path to a JSON file>');
      options.configPath = value;
    } else if (arg.startsWith('--config=')) options.configPath = arg.slice('--config='.length);
    else throw new ConfigError(`unknown argument "${arg}"; expected --config <path> or --print-config`);
  }
  return options;
}

type Source = { kind: 'file'; file: string } | { kind: 'env'; binding: EnvBinding };

function convertEnv(binding: EnvBinding, raw: string): unknown {
  const value = raw.trim();
  switch (binding.kind) {
    case 'int':
      return /^-?\d+$/.test(value) ? Number(value) : raw;
    case 'bool':
      if (/^(true|1|yes|on)$/i.test(value)) return true;
      if (/^(false|0|no|off)$/i.test(value)) return false;
      return raw;
    case 'list':
      return value === '' ? [] : value.split(',').map((s) => s.trim()).filter((s) => s !== '');
    case 'string':
      return value;
  }
}

function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'error';
    throw new ConfigError(`config file ${file}: cannot be read (${code}); expected a readable JSON file`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`config file ${file}: not valid JSON (${(e as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(`config file ${file}: expected a JSON object with sections such as "http" and "storage"`);
  }
  return parsed as Record<string, unknown>;
}

function describeValue(value: unknown): string {
  if (value === undefined) return '(missing)';
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function valueAt(obj: unknown, keyPath: readonly PropertyKey[]): unknown {
  let cur: unknown = obj;
  for (const key of keyPath) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[key];
  }
  return cur;
}

function formatIssue(issue: z.core.$ZodIssue, raw: unknown, sources: Map<string, Source>): string {
  const keyPath = issue.path.map(String);
  if (issue.code === 'unrecognized_keys') {
    const where = keyPath.length > 0 ? `${keyPath.join('.')}.` : '';
    const file = [...sources.values()].find((s) => s.kind === 'file');
    const origin = file?.kind === 'file' ? ` in ${file.file}` : '';
    return `unknown config key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${where}${k}"`).join(', ')}${origin}; see the configuration table in README.md`;
  }
  const dotted = keyPath.join('.');
  const source = sources.get(dotted) ?? sources.get(keyPath.slice(0, 2).join('.'));
  const value = describeValue(valueAt(raw, issue.path));
  if (source?.kind === 'env') {
    // zod's "expected number, received string" means nothing to someone who typed an env var.
    const problem = issue.code === 'invalid_type' ? 'not a valid value' : issue.message;
    return `${source.binding.name}=${value}: ${problem}; expected ${source.binding.expected}`;
  }
  const binding = ENV_BINDINGS.find((b) => b.path.join('.') === keyPath.slice(0, 2).join('.'));
  const origin = source?.kind === 'file' ? ` (in ${source.file})` : '';
  const expected = binding ? `; expected ${binding.expected}` : '';
  return `config key "${dotted}"${origin} = ${value}: ${issue.message}${expected}`;
}

/**
 * Builds the configuration from defaults < config file < environment, and
 * validates it against the schema. Throws ConfigError with one line per
 * problem; nothing is half-applied.
 */
export function loadConfig(argv: readonly string[], env: NodeJS.ProcessEnv, cwd = process.cwd()): { config: Config; cli: CliOptions } {
  const cli = parseArgs(argv);
  const sources = new Map<string, Source>();
  let raw: Record<string, unknown> = {};

  const configPath = cli.configPath ?? env.HEARTH_CONFIG;
  let configFile: string | undefined;
  if (configPath) {
    configFile = path.resolve(cwd, configPath);
    raw = readConfigFile(configFile);
    for (const [section, body] of Object.entries(raw)) {
      sources.set(section, { kind: 'file', file: configFile });
      if (typeof body === 'object' && body !== null) {
        for (const key of Object.keys(body)) sources.set(`${section}.${key}`, { kind: 'file', file: configFile });
      }
    }
  }

  const known = new Set<string>([...ENV_BINDINGS.map((b) => b.name), ...ENV_CONTROL]);
  const unknownEnv = Object.keys(env).filter((name) => name.startsWith('HEARTH_') && !known.has(name));
  if (unknownEnv.length > 0) {
    throw new ConfigError(`unknown environment variable ${unknownEnv.join(', ')}; see the configuration table in README.md`);
  }
  for (const binding of ENV_BINDINGS) {
    const value = env[binding.name];
    if (value === undefined || value === '') continue;
    const [section, key] = binding.path;
    const current = raw[section];
    const sectionObj = typeof current === 'object' && current !== null ? { ...(current as Record<string, unknown>) } : {};
    sectionObj[key] = convertEnv(binding, value);
    raw = { ...raw, [section]: sectionObj };
    sources.set(`${section}.${key}`, { kind: 'env', binding });
  }

  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => formatIssue(i, raw, sources)).join('\n'));
  }
  const cfg = parsed.data;
  const publicUrl = (cfg.http.publicUrl ?? `http://localhost:${cfg.http.port}`).replace(/\/+$/, '');
  const parsedUrl = new URL(publicUrl);
  if (parsedUrl.pathname !== '/' || parsedUrl.search || parsedUrl.hash) {
    const source = sources.get('http.publicUrl');
    const key = source?.kind === 'env' ? source.binding.name : 'http.publicUrl';
    throw new ConfigError(`${key}="${publicUrl}": has a path, query or fragment; expected an origin such as https://rooms.example`);
  }
  const config: Config = {
    ...cfg,
    http: { ...cfg.http, publicUrl: parsedUrl.origin },
    storage: { ...cfg.storage, dataDir: path.resolve(cwd, cfg.storage.dataDir) },
    ...(configFile ? { configFile } : {}),
  };
  return { config, cli };
}

/** The configuration as `--print-config` shows it: credentials in URLs redacted. */
export function redactedConfig(config: Config): unknown {
  const redactUrl = (url: string): string => url.replace(/\/\/([^@/]*)@/, '//[redacted]@');
  return {
    ...config,
    storage: {
      ...config.storage,
      ...(config.storage.mongodbUrl ? { mongodbUrl: redactUrl(config.storage.mongodbUrl) } : {}),
    },
  };
}
