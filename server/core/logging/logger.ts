import { pino, type DestinationStream, type Logger } from 'pino';
import { LogSink } from './log-sink.js';
import { topLevelKeys } from './raw-json.js';

export type { Logger } from 'pino';
export { LogSink, type LogSinkOptions } from './log-sink.js';

/** What the logger needs from the configuration. */
export interface LoggingOptions {
  level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Operators may turn on client IP addresses in logs; off by default. */
  logIpAddresses: boolean;
}

/**
 * Paths that never reach a log line: credentials, cookies, tokens, keys.
 * pino's redaction runs on every line, whatever module logs it.
 */
export const SECRET_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-hearth-token"]',
  'req.headers.signature',
  'res.headers["set-cookie"]',
  'password',
  'newPassword',
  'token',
  'secret',
  'privateKey',
  'recoveryCodes',
  '*.password',
  '*.newPassword',
  '*.token',
  '*.secret',
  '*.privateKey',
  '*.privateKeyPem',
  '*.recoveryCodes',
  'config.mongodbUrl',
];

/** Paths that carry client IP addresses (redacted unless the operator turns IP logging on). */
export const IP_PATHS = [
  'req.remoteAddress',
  'req.remotePort',
  'req.headers["x-forwarded-for"]',
  'req.headers["x-real-ip"]',
  'req.headers.forwarded',
  'remoteAddress',
  '*.remoteAddress',
  'ip',
  '*.ip',
];

/** A logger was given a second module name (a programming error in the wiring). */
export class LoggerWiringError extends Error {
  constructor(modules: string[]) {
    super(
      `a logger can belong to one module only, this one was named ${modules.map((m) => `"${m}"`).join(' and then ')}: ` +
        'give the inner module the parent logger instead of a module child',
    );
    this.name = 'LoggerWiringError';
  }
}

/**
 * pino writes a child's bindings after its parent's, so naming a module twice
 * (`log.child({ module: 'a' }).child({ module: 'a.b' })`) puts two `module`
 * keys on every line. Refused when the child is made, where the mistake is.
 */
function checkOneModule(child: Logger): void {
  const bindings = (child as unknown as Record<symbol, unknown>)[pino.symbols.chindingsSym];
  if (typeof bindings !== 'string') return;
  const first = bindings.indexOf('"module":');
  if (first === -1 || bindings.indexOf('"module":', first + 1) === -1) return;
  const text = `{${bindings.slice(1)}}`;
  if (topLevelKeys(text).filter((k) => k === 'module').length < 2) return;
  const modules = [...text.matchAll(/"module":("(?:[^"\\]|\\.)*")/g)].map((m) => JSON.parse(m[1] ?? '""') as string);
  throw new LoggerWiringError(modules);
}

/**
 * Builds the process's root logger. Modules never import a logger: they get
 * their parent's logger through their constructor and name themselves once
 * (`log.child({ module: 'store.sqlite' })`); the README lists every module name.
 * Lines go to a {@link LogSink} on standard output unless a destination is given.
 */
export function createLogger(options: LoggingOptions, destination: DestinationStream = new LogSink()): Logger {
  const paths = options.logIpAddresses ? SECRET_PATHS : [...SECRET_PATHS, ...IP_PATHS];
  return pino(
    {
      level: options.level,
      base: { service: 'hearth' },
      redact: { paths, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      onChild: checkOneModule,
    },
    destination,
  );
}
