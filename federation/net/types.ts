import type { Logger } from '../../server/core/logging/logger.js';
import type { BlockStage } from './guarded-connector.js';

/** A request as a signer sees it: the final URL of this hop and the headers that will be sent. */
export interface SignableRequest {
  readonly method: string;
  readonly url: string;
  /** Lower-case header names. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: Buffer | string;
}

/**
 * Signs outbound requests (HTTP Signatures, authorized fetch). Returns the
 * headers to add, e.g. Date, Host, Digest, Signature. Called once per
 * redirect hop, because a signature covers the request target and host.
 */
export interface RequestSigner {
  sign(request: SignableRequest): Record<string, string>;
}

/** Options of {@link SafeFetcher}. Limits default to the federation policy. */
export interface SafeFetcherOptions {
  /**
   * CIDR ranges that may be reached although they are not public (e.g.
   * `127.0.0.0/8` in tests). Empty by default: only public addresses.
   */
  readonly allowPrivate?: readonly string[];
  /** Sent as User-Agent on every request. */
  readonly userAgent: string;
  readonly log: Logger;
  /** Total time per call: connect, headers and body, across all redirects. Default 10 000 ms. */
  readonly timeoutMs?: number;
  /** Largest accepted response body. Default 1 MiB. */
  readonly maxBytes?: number;
  /** Redirects followed per call; one more is an error. Default 3. */
  readonly maxRedirects?: number;
  /** Needed only for calls made with `sign: true`. */
  readonly signer?: RequestSigner;
  /** Hosts moderators cut off (`host[:port]`): never contacted, on the first hop or after a redirect. */
  readonly isBlockedHost?: (host: string) => boolean;
}

/** One call of {@link SafeFetcher.request}. */
export interface SafeRequestInit {
  /** Default GET. */
  readonly method?: string;
  /** Header names in any case; `host` is ignored (it follows the URL). */
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: Buffer | string;
  /** Sign every hop with the configured signer. */
  readonly sign?: boolean;
}

/** A response whose body was read completely within the limits. */
export interface SafeResponse {
  readonly status: number;
  /** Lower-case names; repeated headers joined with ", ". */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
  /** The URL of the last hop, after redirects. */
  readonly url: string;
  readonly redirects: number;
}

/** Why a fetch failed; expected outcomes of talking to other servers. */
export type FetchError =
  | { kind: 'bad-url'; reason: string }
  | { kind: 'blocked-address'; reason: string; stage: BlockStage }
  | { kind: 'blocked-instance'; host: string }
  | { kind: 'too-many-redirects'; limit: number }
  | { kind: 'too-large'; limit: number }
  | { kind: 'timeout'; timeoutMs: number }
  | { kind: 'bad-status'; status: number }
  | { kind: 'bad-content-type'; contentType: string }
  | { kind: 'invalid-json' }
  | { kind: 'id-mismatch'; id: string | undefined }
  | { kind: 'network'; message: string; code: string | undefined };

/** The closed set of failure kinds. */
export type FetchErrorKind = FetchError['kind'];
