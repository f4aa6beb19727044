import type { Logger } from '../../server/core/logging/logger.js';
import type { Result } from '../../server/core/result.js';
import { HostRateLimiter } from '../http/host-rate-limiter.js';
import { BUNDLED_CONTEXTS } from './bundled-contexts.js';

/** A JSON object, as documents and contexts are handled here. */
export type JsonObject = Record<string, unknown>;

/** What a jsonld documentLoader returns (jsonld's RemoteDocument). */
export interface RemoteDocument {
  contextUrl: string | null;
  documentUrl: string;
  document: JsonObject;
  /** 'static' lets jsonld keep the resolved context for the whole process. */
  tag?: 'static';
}

/** A jsonld-compatible document loader. */
export type DocumentLoader = (url: string) => Promise<RemoteDocument>;

/** The part of the safe HTTP client the loader needs (SafeFetcher satisfies it). */
export interface ContextFetcher {
  request(
    url: string,
    init: { method: 'GET'; headers: Record<string, string> },
  ): Promise<Result<{ status: number; body: Buffer }, { kind: string }>>;
}

/** Where contexts fetched once are kept for a while (in memory: see MemoryContextCache). */
export interface ContextCache {
  get(url: string): Promise<JsonObject | undefined>;
  put(url: string, document: JsonObject): Promise<void>;
}

/** Why a context could not be had. */
export type ContextUnavailableReason = 'not-http' | 'fetch-failed' | 'bad-status' | 'not-a-context' | 'recently-failed' | 'rate-limited';

/**
 * A context a document refers to cannot be had. Thrown from the document
 * loader (jsonld's interface has no other channel); jsonld wraps it, so find
 * it with {@link findContextUnavailable}. The caller answers that one
 * document with a 4xx; nothing else is affected.
 */
export class ContextUnavailableError extends Error {
  constructor(
    readonly url: string,
    readonly reason: ContextUnavailableReason,
    detail: string,
  ) {
    super(`JSON-LD context unavailable: ${url} (${reason}: ${detail})`);
    this.name = 'ContextUnavailableError';
  }
}

/**
 * Finds a ContextUnavailableError in an error thrown by jsonld, which wraps
 * loader errors as `JsonLdError.details.cause` (and may nest them).
 */
export function findContextUnavailable(error: unknown): ContextUnavailableError | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 10 && typeof current === 'object' && current !== null; depth += 1) {
    if (current instanceof ContextUnavailableError) return current;
    const holder = current as { details?: { cause?: unknown }; cause?: unknown };
    current = holder.details?.cause ?? holder.cause;
  }
  return undefined;
}

/** Collaborators and limits of {@link createDocumentLoader}. */
export interface DocumentLoaderOptions {
  readonly fetcher: ContextFetcher;
  readonly cache: ContextCache;
  readonly log: Logger;
  /** How long a failed URL is not retried (default 10 minutes). */
  readonly failureTtlMs?: number;
  /** Context fetches per host per minute (default 10); more fail as 'rate-limited' without a fetch. */
  readonly fetchesPerHostPerMinute?: number;
  /** Context fetches per minute, all hosts together (default 60). */
  readonly fetchesPerMinute?: number;
  /** Clock, for tests. */
  readonly now?: () => number;
}

const ACCEPT = 'application/ld+json, application/json';
const MAX_REMEMBERED_FAILURES = 1000;

/**
 * Builds the document loader for jsonld (and for apex, see
 * installDocumentLoader). Order: bundled contexts from memory, then the
 * cache, then one fetch through the safe client whose result is cached.
 *
 * - Concurrent requests for the same unknown URL share one fetch.
 * - A failed URL is remembered for `failureTtlMs` so a document naming a
 *   dead context cannot make us hammer its host.
 * - Fetches are limited per host and in all (any document can name
 *   contexts, so an inbound request could otherwise make us fetch many).
 * - Only the `@context` member of a fetched document is kept.
 * - Cache errors are logged and treated as a miss: a broken cache slows
 *   things down, it does not break federation.
 */
export function createDocumentLoader(options: DocumentLoaderOptions): DocumentLoader {
  const log = options.log.child({ module: 'federation.jsonld' });
  const now = options.now ?? Date.now;
  const failureTtlMs = options.failureTtlMs ?? 10 * 60 * 1000;
  const inFlight = new Map<string, Promise<JsonObject>>();
  const failures = new Map<string, { until: number; reason: ContextUnavailableReason }>();
  const perHost = new HostRateLimiter(options.fetchesPerHostPerMinute ?? 10, 60_000, now);
  const overall = new HostRateLimiter(options.fetchesPerMinute ?? 60, 60_000, now);

  const takeBudget = (url: string): void => {
    let host = '';
    try {
      host = new URL(url).host;
    } catch {
      return; // fetchOnce refuses it as not-http
    }
    if (!perHost.take(host) || !overall.take('*')) {
      throw new ContextUnavailableError(url, 'rate-limited', 'too many context fetches; try again later');
    }
  };

  const fetchContext = async (url: string): Promise<JsonObject> => {
    const failed = failures.get(url);
    if (failed !== undefined && failed.until > now()) {
      throw new ContextUnavailableError(url, 'recently-failed', failed.reason);
    }
    takeBudget(url);
    try {
      const document = await fetchOnce(options.fetcher, url);
      failures.delete(url);
      try {
        await options.cache.put(url, document);
      } catch (error) {
        log.warn({ url, err: error }, 'could not cache JSON-LD context');
      }
      log.info({ url }, 'fetched JSON-LD context');
      return document;
    } catch (error) {
      if (error instanceof ContextUnavailableError) {
        if (failures.size >= MAX_REMEMBERED_FAILURES) failures.delete(failures.keys().next().value ?? '');
        failures.set(url, { until: now() + failureTtlMs, reason: error.reason });
        log.warn({ url, reason: error.reason }, 'JSON-LD context unavailable');
      }
      throw error;
    }
  };

  return async (rawUrl: string): Promise<RemoteDocument> => {
    // The fragment is never sent and never selects a different context.
    const url = rawUrl.split('#', 1)[0] ?? rawUrl;
    const bundled = BUNDLED_CONTEXTS.get(url);
    if (bundled !== undefined) {
      // A copy: jsonld rewrites context URLs in place while resolving.
      return { contextUrl: null, documentUrl: rawUrl, document: structuredClone(bundled), tag: 'static' };
    }
    let cached: JsonObject | undefined;
    try {
      cached = await options.cache.get(url);
    } catch (error) {
      log.warn({ url, err: error }, 'JSON-LD context cache lookup failed');
    }
    if (cached !== undefined) return { contextUrl: null, documentUrl: rawUrl, document: cached };

    let pending = inFlight.get(url);
    if (pending === undefined) {
      pending = fetchContext(url).finally(() => inFlight.delete(url));
      inFlight.set(url, pending);
    }
    // Callers share one fetch but not one object (jsonld mutates what it gets).
    return { contextUrl: null, documentUrl: rawUrl, document: structuredClone(await pending) };
  };
}

async function fetchOnce(fetcher: ContextFetcher, url: string): Promise<JsonObject> {
  let parsedUrl: URL;
  try {
    parsedUrl = new URL(url);
  } catch {
    throw new ContextUnavailableError(url, 'not-http', 'not an absolute URL');
  }
  if (parsedUrl.protocol !== 'https:' && parsedUrl.protocol !== 'http:') {
    throw new ContextUnavailableError(url, 'not-http', parsedUrl.protocol);
  }
  const response = await fetcher.request(url, { method: 'GET', headers: { accept: ACCEPT } });
  if (!response.ok) throw new ContextUnavailableError(url, 'fetch-failed', response.error.kind);
  const { status, body } = response.value;
  if (status < 200 || status > 299) throw new ContextUnavailableError(url, 'bad-status', String(status));
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw new ContextUnavailableError(url, 'not-a-context', 'invalid JSON');
  }
  // Content types are not checked: context hosts serve them as
  // application/ld+json, application/json or text/plain alike; the body has
  // to be a JSON object with @context, and nothing in it executes.
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || !('@context' in parsed)) {
    throw new ContextUnavailableError(url, 'not-a-context', 'no @context object');
  }
  return { '@context': (parsed as JsonObject)['@context'] };
}
