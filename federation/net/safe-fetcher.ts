import { Agent, errors as undiciErrors } from 'undici';
import type { Logger } from '../../server/core/logging/logger.js';
import { err, ok, type Result } from '../../server/core/result.js';
import {
  ACTIVITYPUB_ACCEPT,
  documentIdMatches,
  isActivityPubContentType,
  parseJsonObject,
} from './activitypub-document.js';
import { AddressPolicy } from './address-policy.js';
import { BlockedAddressError, createGuardedConnector } from './guarded-connector.js';
import { discard, errorCode, findInChain, flattenHeaders, parseTarget, readLimited, singleHeader, withoutCredentials } from './fetch-helpers.js';
import type { FetchError, RequestSigner, SafeFetcherOptions, SafeRequestInit, SafeResponse } from './types.js';

/** Total time per call (connect + headers + body, across redirects). */
export const DEFAULT_TIMEOUT_MS = 10_000;
/** Largest response body accepted. */
export const DEFAULT_MAX_BYTES = 1024 * 1024;
/** Redirects followed per call. */
export const DEFAULT_MAX_REDIRECTS = 3;

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/**
 * The one HTTP client for outbound federation traffic (actor and object
 * fetches, context documents, deliveries).
 *
 * Every connection goes through the guarded connector (no private, loopback,
 * link-local… destination, checked on literals, DNS answers and the connected
 * peer); redirects are followed by hand so every hop is checked and counted;
 * bodies are counted while streaming and cut at `maxBytes`; one timer bounds
 * the whole call. Expected failures come back as {@link FetchError} values.
 */
export class SafeFetcher {
  /** Effective limits, exposed so callers and tests can see the policy in force. */
  readonly timeoutMs: number;
  readonly maxBytes: number;
  readonly maxRedirects: number;

  readonly #agent: Agent;
  readonly #log: Logger;
  readonly #userAgent: string;
  readonly #signer: RequestSigner | undefined;
  readonly #isBlockedHost: (host: string) => boolean;

  /** @throws Error when an `allowPrivate` entry is not a CIDR range */
  constructor(options: SafeFetcherOptions) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
    this.maxRedirects = options.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
    this.#log = options.log.child({ module: 'federation.net' });
    this.#userAgent = options.userAgent;
    this.#signer = options.signer;
    this.#isBlockedHost = options.isBlockedHost ?? (() => false);
    const policy = new AddressPolicy(options.allowPrivate ?? []);
    this.#agent = new Agent({
      connect: createGuardedConnector(policy, { connectTimeoutMs: this.timeoutMs }),
      headersTimeout: this.timeoutMs,
      bodyTimeout: this.timeoutMs,
    });
  }

  /**
   * Sends one request, following up to `maxRedirects` redirects (303, and
   * 301/302 after a POST, continue as GET without a body). Any final status
   * is a success here: deliveries need to see 4xx/5xx to decide on retries.
   *
   * @throws Error when `sign` is asked for but no signer was configured
   */
  async request(url: string | URL, init: SafeRequestInit = {}): Promise<Result<SafeResponse, FetchError>> {
    if (init.sign === true && this.#signer === undefined) {
      throw new Error('SafeFetcher: sign requested but no signer was configured');
    }
    const start = parseTarget(url);
    if (!start.ok) return start;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.timeoutMs);
    const began = Date.now();
    let result: Result<SafeResponse, FetchError>;
    try {
      result = await this.#follow(start.value, init, controller.signal);
    } catch (error) {
      result = err(this.#classify(error, controller.signal));
    } finally {
      clearTimeout(timer);
    }
    this.#logOutcome(start.value, init.method ?? 'GET', result, Date.now() - began);
    return result;
  }

  /**
   * GETs an ActivityPub document and accepts it only when the status is 2xx,
   * the content type is `application/activity+json` or `application/ld+json`
   * (any parameters), the body is one JSON object, and its `id` passes
   * {@link documentIdMatches} for the requested and final URLs.
   */
  async fetchActivityPub(
    url: string | URL,
    options: { sign?: boolean } = {},
  ): Promise<Result<Record<string, unknown>, FetchError>> {
    const requested = typeof url === 'string' ? url : url.href;
    const response = await this.request(requested, {
      method: 'GET',
      headers: { accept: ACTIVITYPUB_ACCEPT },
      sign: options.sign ?? false,
    });
    if (!response.ok) return response;
    const { status, headers, body } = response.value;
    if (status < 200 || status > 299) return err({ kind: 'bad-status', status });
    const contentType = headers['content-type'];
    if (!isActivityPubContentType(contentType)) {
      return err({ kind: 'bad-content-type', contentType: contentType ?? '' });
    }
    const document = parseJsonObject(body);
    if (document === undefined) return err({ kind: 'invalid-json' });
    const id = document['id'];
    if (!documentIdMatches(id, requested, response.value.url)) {
      return err({ kind: 'id-mismatch', id: typeof id === 'string' ? id : undefined });
    }
    return ok(document);
  }

  /** Closes pooled connections; in-flight calls finish first. */
  async close(): Promise<void> {
    await this.#agent.close();
  }

  async #follow(first: URL, init: SafeRequestInit, signal: AbortSignal): Promise<Result<SafeResponse, FetchError>> {
    let target = first;
    let method = (init.method ?? 'GET').toUpperCase();
    let body = init.body;
    let callerHeaders = init.headers ?? {};
    for (let redirects = 0; ; redirects += 1) {
      if (this.#isBlockedHost(target.host)) return err({ kind: 'blocked-instance', host: target.host });
      const headers = this.#headersFor(target, method, callerHeaders, init.sign === true, body);
      const response = await this.#agent.request({
        origin: target.origin,
        path: `${target.pathname}${target.search}`,
        method,
        headers,
        body: body ?? null,
        signal,
      });
      const location = singleHeader(response.headers['location']);
      if (REDIRECT_STATUSES.has(response.statusCode) && location !== undefined) {
        discard(response.body);
        if (redirects + 1 > this.maxRedirects) return err({ kind: 'too-many-redirects', limit: this.maxRedirects });
        const next = parseTarget(location, target);
        if (!next.ok) return next;
        if (response.statusCode === 303 || ((response.statusCode === 301 || response.statusCode === 302) && method === 'POST')) {
          method = 'GET';
          body = undefined;
        }
        // Credentials the caller meant for one server do not follow a redirect
        // to another (signatures are recomputed per hop anyway).
        if (next.value.origin !== target.origin) callerHeaders = withoutCredentials(callerHeaders);
        target = next.value;
        continue;
      }
      const declared = Number(singleHeader(response.headers['content-length']) ?? Number.NaN);
      if (Number.isFinite(declared) && declared > this.maxBytes) {
        discard(response.body);
        return err({ kind: 'too-large', limit: this.maxBytes });
      }
      const bytes = await readLimited(response.body, this.maxBytes);
      if (bytes === undefined) return err({ kind: 'too-large', limit: this.maxBytes });
      return ok({
        status: response.statusCode,
        headers: flattenHeaders(response.headers),
        body: bytes,
        url: target.href,
        redirects,
      });
    }
  }

  #headersFor(
    target: URL,
    method: string,
    callerHeaders: Readonly<Record<string, string>>,
    sign: boolean,
    body: Buffer | string | undefined,
  ): Record<string, string> {
    const headers: Record<string, string> = { 'user-agent': this.#userAgent };
    for (const [name, value] of Object.entries(callerHeaders)) {
      const lower = name.toLowerCase();
      if (lower !== 'host') headers[lower] = value;
    }
    if (sign && this.#signer !== undefined) {
      const added = this.#signer.sign({ method, url: target.href, headers: { ...headers }, ...(body === undefined ? {} : { body }) });
      for (const [name, value] of Object.entries(added)) headers[name.toLowerCase()] = value;
    }
    return headers;
  }

  #classify(error: unknown, signal: AbortSignal): FetchError {
    // Our only abort is the total-time timer, so an aborted signal means timeout
    // whatever error undici surfaced for it.
    if (signal.aborted) return { kind: 'timeout', timeoutMs: this.timeoutMs };
    const blocked = findInChain(error, (e): e is BlockedAddressError => e instanceof BlockedAddressError);
    if (blocked !== undefined) return { kind: 'blocked-address', reason: blocked.reason, stage: blocked.stage };
    if (
      findInChain(
        error,
        (e): e is Error =>
          e instanceof undiciErrors.HeadersTimeoutError ||
          e instanceof undiciErrors.BodyTimeoutError ||
          e instanceof undiciErrors.ConnectTimeoutError,
      ) !== undefined
    ) {
      return { kind: 'timeout', timeoutMs: this.timeoutMs };
    }
    const message = error instanceof Error ? error.message : String(error);
    const code = errorCode(error);
    return { kind: 'network', message, code };
  }

  #logOutcome(target: URL, method: string, result: Result<SafeResponse, FetchError>, ms: number): void {
    // The host only: full URLs can carry capability tokens in query strings.
    const fields = { host: target.host, method, ms };
    if (result.ok) {
      this.#log.debug({ ...fields, status: result.value.status, redirects: result.value.redirects }, 'fetched');
    } else if (result.error.kind === 'blocked-address') {
      this.#log.warn({ ...fields, kind: result.error.kind, reason: result.error.reason, stage: result.error.stage }, 'refused non-public address');
    } else {
      this.#log.debug({ ...fields, kind: result.error.kind }, 'fetch failed');
    }
  }
}
