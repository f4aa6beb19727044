import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger } from 'pino';

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

/**
 * Builds the process's root logger. Modules never import a logger: they get a
 * child (`log.child({ module: 'store.sqlite' })`) through their constructor.
 */
export function createLogger(options: LoggingOptions, destination?: DestinationStream): Logger {
  const paths = options.logIpAddresses ? SECRET_PATHS : [...SECRET_PATHS, ...IP_PATHS];
  return pino(
    {
      level: options.level,
      base: { service: 'hearth' },
      redact: { paths, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}
