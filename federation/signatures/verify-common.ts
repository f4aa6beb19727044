/**
 * Checks shared by the draft-cavage and RFC 9421 verifiers: header access,
 * the date window, the body digest and the key lookup with one refresh.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { err, ok, type Result } from '../../server/core/result.js';
import { checkContentDigestHeader, checkDigestHeader } from './digest.js';
import { KeyCache } from './key-cache.js';
import {
  MAX_CLOCK_SKEW_MS,
  MAX_SIGNATURE_AGE_MS,
  type HeaderMap,
  type KeyResolver,
  type ResolvedKey,
  type VerifyError,
} from './types.js';

/** Case-insensitive header lookup; repeated values joined with ", " and trimmed. */
export function headerReader(headers: HeaderMap): (name: string) => string | undefined {
  const lower = new Map<string, string>();
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const joined = typeof value === 'string' ? value.trim() : value.map((v) => v.trim()).join(', ');
    lower.set(name.toLowerCase(), joined);
  }
  return (name) => lower.get(name.toLowerCase());
}

/** Refuses a signing time more than 12 h old or more than 1 h ahead of `now`. */
export function checkTimeWindow(signedAtMs: number, now: Date): Result<void, VerifyError> {
  if (!Number.isFinite(signedAtMs)) return err({ kind: 'invalid-date' });
  const age = now.getTime() - signedAtMs;
  if (age > MAX_SIGNATURE_AGE_MS) return err({ kind: 'stale-date' });
  if (-age > MAX_CLOCK_SKEW_MS) return err({ kind: 'future-date' });
  return ok(undefined);
}

/** Parses an HTTP date header value (IMF-fixdate and the obsolete forms Date.parse accepts). */
export function parseHttpDate(value: string | undefined): number {
  return value === undefined ? Number.NaN : Date.parse(value);
}

/**
 * Checks the body against `Digest` and/or `Content-Digest` over the RAW bytes.
 * A non-empty body needs at least one of them, and that one must be covered
 * by the signature (`isCovered`), or an attacker could swap the body.
 */
export function checkBodyDigest(
  header: (name: string) => string | undefined,
  rawBody: Buffer,
  isCovered: (name: string) => boolean,
): Result<void, VerifyError> {
  const present = (['digest', 'content-digest'] as const).filter((name) => header(name) !== undefined);
  if (present.length === 0) return rawBody.length > 0 ? err({ kind: 'missing-digest' }) : ok(undefined);
  if (rawBody.length > 0 && !present.some(isCovered)) {
    return err({ kind: 'missing-signed-header', header: present[0] ?? 'digest' });
  }
  for (const name of present) {
    const value = header(name) ?? '';
    const verdict = name === 'digest' ? checkDigestHeader(value, rawBody) : checkContentDigestHeader(value, rawBody);
    if (verdict === 'unusable') return err({ kind: 'missing-digest' });
    if (verdict === 'mismatch') return err({ kind: 'digest-mismatch' });
  }
  return ok(undefined);
}

/**
 * Resolves the key and runs `verify` with it. When that fails with a key
 * that may be stale (a cached one), resolves exactly once more with
 * `refresh: true` and tries the new key; never more, whatever the resolver
 * returns, so a hostile keyId cannot make us loop or hammer its server.
 */
export async function verifyWithKey(
  keyId: string,
  resolveKey: KeyResolver,
  verify: (key: KeyObject) => boolean,
): Promise<Result<ResolvedKey, VerifyError>> {
  const first = await resolveKey(keyId, { refresh: false });
  if (first === null) return err({ kind: 'unknown-key' });
  if (safeVerify(first.publicKeyPem, verify)) return ok(first);
  if (first.fresh === true) return err({ kind: 'bad-signature' });
  const refreshed = await resolveKey(keyId, { refresh: true });
  if (refreshed === null || refreshed.publicKeyPem === first.publicKeyPem) return err({ kind: 'bad-signature' });
  return safeVerify(refreshed.publicKeyPem, verify) ? ok(refreshed) : err({ kind: 'bad-signature' });
}

/**
 * Remote actors' public keys, parsed once each: parsing took longer than the
 * RSA verification itself. Bounded; an unparsable PEM is never kept.
 */
const publicKeys = new KeyCache(4096, (pem) => createPublicKey(pem));

/** An unparsable key or a crypto error is a failed verification, never a crash. */
function safeVerify(publicKeyPem: string, verify: (key: KeyObject) => boolean): boolean {
  try {
    return verify(publicKeys.get(publicKeyPem));
  } catch {
    return false;
  }
}
