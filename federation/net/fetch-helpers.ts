/** Small helpers of the safe client: URL validation, bounded body reading, header shaping. */
import type { IncomingHttpHeaders } from 'node:http';
import { err, ok, type Result } from '../../server/core/result.js';
import type { FetchError } from './types.js';

/** Resolves and validates a URL: http(s) only, no embedded credentials. */
export function parseTarget(raw: string | URL, base?: URL): Result<URL, FetchError> {
  let url: URL;
  try {
    url = new URL(raw, base);
  } catch {
    return err({ kind: 'bad-url', reason: 'not a URL' });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return err({ kind: 'bad-url', reason: `scheme ${url.protocol} is not allowed` });
  }
  if (url.username !== '' || url.password !== '') return err({ kind: 'bad-url', reason: 'credentials in URL' });
  if (url.hostname === '') return err({ kind: 'bad-url', reason: 'no host' });
  return ok(url);
}

/** Reads a body up to `limit` bytes; destroys the stream and returns undefined past it. */
export async function readLimited(body: AsyncIterable<Buffer> & Parameters<typeof discard>[0], limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body) {
    total += chunk.length;
    if (total > limit) {
      discard(body);
      return undefined;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total);
}

const CREDENTIAL_HEADERS = new Set(['authorization', 'cookie', 'proxy-authorization']);

/** Drops headers that carry the caller's credentials for one server. */
export function withoutCredentials(headers: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !CREDENTIAL_HEADERS.has(name.toLowerCase())));
}

/**
 * Drops a response body we will not read. undici reports the destroy as an
 * 'error' event on the body; nobody listens to it any more, so swallow it
 * rather than let it surface as an uncaught exception.
 */
export function discard(body: { on(event: 'error', listener: () => void): unknown; destroy(): void }): void {
  body.on('error', () => undefined);
  body.destroy();
}

/** The first value of a response header that may repeat. */
export function singleHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** Response headers with lower-case names, repeated values joined with ", ". */
export function flattenHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    flat[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

/** Finds the first error in an error's `cause` chain that matches. */
export function findInChain<T>(error: unknown, match: (e: unknown) => e is T): T | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 8 && current !== undefined && current !== null; depth += 1) {
    if (match(current)) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** The string `code` of a Node or undici error, if any. */
export function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}
