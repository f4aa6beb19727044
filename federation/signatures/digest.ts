import { createHash, timingSafeEqual } from 'node:crypto';
import { isInnerList, parseDictionary, StructuredFieldError } from './structured-fields.js';

/** `Digest: SHA-256=<base64>` (RFC 3230), the form Mastodon sends and checks. */
export function digestHeader(body: Buffer | string): string {
  return `SHA-256=${createHash('sha256').update(body).digest('base64')}`;
}

/** Result of checking the body against the digest headers present. */
export type DigestCheck = 'match' | 'mismatch' | 'unusable';

const HASHES: Readonly<Record<string, string>> = { 'sha-256': 'sha256', 'sha-512': 'sha512' };

/**
 * Checks a legacy `Digest` header (`SHA-256=…, SHA-512=…`) against the raw
 * body bytes. Every supported algorithm present must match; 'unusable' when
 * the header names no algorithm we support or cannot be parsed.
 */
export function checkDigestHeader(value: string, body: Buffer): DigestCheck {
  const checks: boolean[] = [];
  for (const part of value.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) return 'unusable';
    const algorithm = HASHES[part.slice(0, eq).trim().toLowerCase()];
    if (algorithm === undefined) continue;
    checks.push(sameBytes(part.slice(eq + 1).trim(), algorithm, body));
  }
  return verdict(checks);
}

/**
 * Checks an RFC 9530 `Content-Digest` header (`sha-256=:…:`, a structured
 * dictionary of byte sequences) against the raw body bytes.
 */
export function checkContentDigestHeader(value: string, body: Buffer): DigestCheck {
  let dictionary;
  try {
    dictionary = parseDictionary(value);
  } catch (error) {
    if (error instanceof StructuredFieldError) return 'unusable';
    throw error;
  }
  const checks: boolean[] = [];
  for (const [key, member] of dictionary) {
    const algorithm = HASHES[key];
    if (algorithm === undefined) continue;
    if (isInnerList(member) || !Buffer.isBuffer(member.value)) return 'unusable';
    checks.push(sameBytes(member.value.toString('base64'), algorithm, body));
  }
  return verdict(checks);
}

function sameBytes(expectedBase64: string, algorithm: string, body: Buffer): boolean {
  const expected = Buffer.from(expectedBase64, 'base64');
  const actual = createHash(algorithm).update(body).digest();
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

function verdict(checks: boolean[]): DigestCheck {
  if (checks.length === 0) return 'unusable';
  return checks.every(Boolean) ? 'match' : 'mismatch';
}
