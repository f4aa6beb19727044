/** Request headers as Node gives them (lower-case names); other casings are normalised. */
export type HeaderMap = Readonly<Record<string, string | readonly string[] | undefined>>;

/** A public key as the key resolver found it. */
export interface ResolvedKey {
  /** The actor that owns the key; the caller checks it against the activity's actor. */
  readonly owner: string;
  readonly publicKeyPem: string;
  /**
   * Set to true when the key was fetched just now (not from a cache): a
   * failed verification is then final and no refresh is attempted.
   */
  readonly fresh?: boolean;
}

/**
 * Finds the public key for a keyId. `refresh: true` asks for a new fetch
 * bypassing any cache (key rotation); the verifier asks for that at most once
 * per request, and the resolver is expected to rate-limit refreshes.
 * Returns null when no key can be had.
 */
export type KeyResolver = (keyId: string, options: { refresh: boolean }) => Promise<ResolvedKey | null>;

/** What {@link verifyRequest} needs from an incoming request. */
export interface VerifyRequestInput {
  readonly method: string;
  /** Path with query, exactly as on the request line (express: `req.originalUrl`). */
  readonly path: string;
  readonly headers: HeaderMap;
  /** The body bytes as received, before any JSON parsing. */
  readonly rawBody: Buffer;
  readonly now: Date;
  readonly resolveKey: KeyResolver;
  /**
   * Scheme the client used, for RFC 9421's `@target-uri`/`@scheme` (the
   * server may sit behind a TLS-terminating proxy). Default 'https'.
   */
  readonly scheme?: 'http' | 'https';
}

/** A verified request signature. */
export interface VerifiedSignature {
  readonly keyId: string;
  readonly owner: string;
  /** Which signature standard the request used. */
  readonly standard: 'draft-cavage' | 'rfc9421';
}

/** Why a request signature was refused. */
export type VerifyError =
  | { kind: 'missing-signature' }
  | { kind: 'malformed-signature'; reason: string }
  | { kind: 'unsupported-algorithm'; algorithm: string }
  | { kind: 'missing-signed-header'; header: string }
  | { kind: 'missing-digest' }
  | { kind: 'digest-mismatch' }
  | { kind: 'invalid-date' }
  | { kind: 'stale-date' }
  | { kind: 'future-date' }
  | { kind: 'unknown-key' }
  | { kind: 'bad-signature' };

/** The closed set of verification failure kinds. */
export type VerifyErrorKind = VerifyError['kind'];

/** Oldest accepted signature date (Mastodon's window). */
export const MAX_SIGNATURE_AGE_MS = 12 * 60 * 60 * 1000;
/** Largest accepted clock skew into the future. */
export const MAX_CLOCK_SKEW_MS = 60 * 60 * 1000;
