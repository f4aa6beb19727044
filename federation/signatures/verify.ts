import { verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { err, ok, type Result } from '../../server/core/result.js';
import { cavageSigningString, parseCavageSignature, type CavageSignature } from './cavage.js';
import { verifyRfc9421 } from './rfc9421.js';
import type { VerifiedSignature, VerifyError, VerifyRequestInput } from './types.js';
import { checkBodyDigest, checkTimeWindow, headerReader, parseHttpDate, verifyWithKey } from './verify-common.js';

const SUPPORTED_ALGORITHMS = new Set(['rsa-sha256', 'hs2019']);
const REQUIRED_HEADERS = ['(request-target)', 'host', 'date'] as const;

/**
 * Verifies the HTTP signature of an incoming request.
 *
 * A request with `Signature-Input` is checked as RFC 9421; otherwise the
 * draft-cavage `Signature` header (or `Authorization: Signature …`) is used,
 * as Mastodon sends it. For draft-cavage:
 * - `algorithm` must be `rsa-sha256` or `hs2019` (or absent, read as hs2019);
 *   hs2019 with an RSA key means RSASSA-PKCS1-v1_5 with SHA-256, as in
 *   Mastodon; with an Ed25519 key, Ed25519;
 * - `(request-target)`, `host` and `date` must be covered, and `digest` (or
 *   `content-digest`) when there is a body;
 * - the digest is checked against the raw body bytes; the date must be at
 *   most 12 h old and at most 1 h in the future (and `expires`, if
 *   given, not passed);
 * - the key comes from `resolveKey`, refreshed at most once on failure.
 *
 * Cheap checks come first, so a malformed or stale request never causes a
 * key fetch.
 */
export async function verifyRequest(input: VerifyRequestInput): Promise<Result<VerifiedSignature, VerifyError>> {
  const header = headerReader(input.headers);
  if (header('signature-input') !== undefined) return verifyRfc9421(input, header);

  const raw = cavageHeaderValue(header);
  if (raw === undefined) return err({ kind: 'missing-signature' });
  const parsed = parseCavageSignature(raw);
  if (!parsed.ok) return parsed;
  const signature = parsed.value;

  const algorithm = signature.algorithm ?? 'hs2019';
  if (!SUPPORTED_ALGORITHMS.has(algorithm)) return err({ kind: 'unsupported-algorithm', algorithm });

  for (const name of REQUIRED_HEADERS) {
    if (!signature.headers.includes(name)) return err({ kind: 'missing-signed-header', header: name });
  }
  const signingString = cavageSigningString(signature, { method: input.method, path: input.path, header });
  if (!signingString.ok) return signingString;

  const window = checkTimeWindow(parseHttpDate(header('date')), input.now);
  if (!window.ok) return window;
  if (signature.expires !== undefined && signature.expires * 1000 < input.now.getTime()) {
    return err({ kind: 'stale-date' });
  }

  const digest = checkBodyDigest(header, input.rawBody, (name) => signature.headers.includes(name));
  if (!digest.ok) return digest;

  const data = Buffer.from(signingString.value, 'utf8');
  const key = await verifyWithKey(signature.keyId, input.resolveKey, (publicKey) =>
    verifyCavage(algorithm, data, publicKey, signature),
  );
  if (!key.ok) return key;
  return ok({ keyId: signature.keyId, owner: key.value.owner, standard: 'draft-cavage' });
}

/** The Signature header, or the credentials of `Authorization: Signature …`. */
function cavageHeaderValue(header: (name: string) => string | undefined): string | undefined {
  const signature = header('signature');
  if (signature !== undefined) return signature;
  const authorization = header('authorization');
  const match = authorization === undefined ? null : /^Signature\s+(.+)$/i.exec(authorization);
  return match?.[1];
}

function verifyCavage(algorithm: string, data: Buffer, key: KeyObject, signature: CavageSignature): boolean {
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return cryptoVerify('sha256', data, key, signature.signature);
    case 'ed25519':
      // Only hs2019 leaves the algorithm to the key; rsa-sha256 names RSA.
      return algorithm === 'hs2019' && cryptoVerify(null, data, key, signature.signature);
    default:
      return false;
  }
}
