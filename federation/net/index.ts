/**
 * Safe outbound HTTP for federation: one client that refuses non-public
 * destinations, bounds size, time and redirects, and validates ActivityPub
 * documents. See {@link SafeFetcher}.
 */
export { SafeFetcher, DEFAULT_MAX_BYTES, DEFAULT_MAX_REDIRECTS, DEFAULT_TIMEOUT_MS } from './safe-fetcher.js';
export { AddressPolicy, type AddressVerdict } from './address-policy.js';
export { ACTIVITYPUB_ACCEPT, documentIdMatches, isActivityPubContentType } from './activitypub-document.js';
export type { BlockStage } from './guarded-connector.js';
export type {
  FetchError,
  FetchErrorKind,
  RequestSigner,
  SafeFetcherOptions,
  SafeRequestInit,
  SafeResponse,
  SignableRequest,
} from './types.js';
