/**
 * RFC 9421 (HTTP Message Signatures) verification for requests, as sent by
 * Fedify-based servers. Only what a request signature needs: derived
 * components @method @target-uri @authority @scheme @request-target @path
 * @query, plain header fields, and the algorithms rsa-v1_5-sha256,
 * rsa-pss-sha512, ecdsa-p256-sha256 and ed25519.
 */
import { constants, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { err, ok, type Result } from '../../server/core/result.js';
import { isInnerList, parseDictionary, serializeInnerList, StructuredFieldError, type InnerList } from './structured-fields.js';
import type { VerifiedSignature, VerifyError, VerifyRequestInput } from './types.js';
import { checkBodyDigest, checkTimeWindow, parseHttpDate, verifyWithKey } from './verify-common.js';

const ALGORITHMS = new Set(['rsa-v1_5-sha256', 'rsa-pss-sha512', 'ecdsa-p256-sha256', 'ed25519']);
const DERIVED = new Set(['@method', '@target-uri', '@authority', '@scheme', '@request-target', '@path', '@query']);

/** The request parts a signature base is built from. */
export interface BaseRequest {
  readonly method: string;
  readonly scheme: string;
  /** Path with query. */
  readonly path: string;
  header(name: string): string | undefined;
}

/**
 * Builds the signature base (RFC 9421 §2.5) for the covered components and
 * signature parameters. Fails on a component we do not support or a header
 * the request lacks.
 */
export function signatureBase(request: BaseRequest, input: InnerList): Result<string, VerifyError> {
  const lines: string[] = [];
  for (const item of input.items) {
    if (typeof item.value !== 'string') return malformed('component identifiers must be strings');
    if (item.params.size > 0) return malformed(`component parameters are not supported (${item.value})`);
    const value = componentValue(request, item.value);
    if (value === undefined) return err({ kind: 'missing-signed-header', header: item.value });
    lines.push(`"${item.value}": ${value}`);
  }
  lines.push(`"@signature-params": ${serializeInnerList(input)}`);
  return ok(lines.join('\n'));
}

/**
 * Verifies the first signature of a request carrying `Signature-Input`.
 * Policy (same strength as draft-cavage): @method and the target
 * (@target-uri, or @authority/host with @request-target/@path) must be
 * covered; the time comes from `created` or a covered `date`; a body needs a
 * covered, matching content-digest (or digest); `keyid` names the key.
 */
export async function verifyRfc9421(
  input: VerifyRequestInput,
  header: (name: string) => string | undefined,
): Promise<Result<VerifiedSignature, VerifyError>> {
  let inputs;
  let signatures;
  try {
    inputs = parseDictionary(header('signature-input') ?? '');
    signatures = parseDictionary(header('signature') ?? '');
  } catch (error) {
    if (error instanceof StructuredFieldError) return malformed(error.message);
    throw error;
  }
  const first = [...inputs.entries()][0];
  if (first === undefined) return err({ kind: 'missing-signature' });
  const [label, params] = first;
  const signed = signatures.get(label);
  if (!isInnerList(params) || signed === undefined || isInnerList(signed) || !Buffer.isBuffer(signed.value)) {
    return malformed(`no usable signature labelled ${label}`);
  }
  const signature = signed.value;
  const keyId = params.params.get('keyid');
  if (typeof keyId !== 'string' || keyId === '') return malformed('no keyid parameter');
  const alg = params.params.get('alg');
  if (alg !== undefined && (typeof alg !== 'string' || !ALGORITHMS.has(alg))) {
    return err({ kind: 'unsupported-algorithm', algorithm: typeof alg === 'string' ? alg : '(not a string)' });
  }

  const covered = new Set(params.items.map((item) => item.value).filter((v): v is string => typeof v === 'string'));
  const missing = missingCoverage(covered);
  if (missing !== undefined) return err({ kind: 'missing-signed-header', header: missing });

  const created = params.params.get('created');
  const expires = params.params.get('expires');
  if ((created !== undefined && typeof created !== 'number') || (expires !== undefined && typeof expires !== 'number')) {
    return malformed('created/expires must be integers');
  }
  if (created === undefined && !covered.has('date')) return err({ kind: 'missing-signed-header', header: 'date' });
  const signedAt = created !== undefined ? created * 1000 : parseHttpDate(header('date'));
  const window = checkTimeWindow(signedAt, input.now);
  if (!window.ok) return window;
  if (expires !== undefined && expires * 1000 < input.now.getTime()) return err({ kind: 'stale-date' });

  const request: BaseRequest = { method: input.method, scheme: input.scheme ?? 'https', path: input.path, header };
  const base = signatureBase(request, params);
  if (!base.ok) return base;
  const digest = checkBodyDigest(header, input.rawBody, (name) => covered.has(name));
  if (!digest.ok) return digest;

  const data = Buffer.from(base.value, 'utf8');
  const key = await verifyWithKey(keyId, input.resolveKey, (publicKey) => verifyWithAlgorithm(alg, data, publicKey, signature));
  if (!key.ok) return key;
  return ok({ keyId, owner: key.value.owner, standard: 'rfc9421' });
}

function missingCoverage(covered: ReadonlySet<string>): string | undefined {
  if (!covered.has('@method')) return '@method';
  if (covered.has('@target-uri')) return undefined;
  if (!covered.has('@authority') && !covered.has('host')) return '@authority';
  if (!covered.has('@request-target') && !covered.has('@path')) return '@target-uri';
  return undefined;
}

function componentValue(request: BaseRequest, name: string): string | undefined {
  if (!name.startsWith('@')) return name === name.toLowerCase() ? request.header(name) : undefined;
  if (!DERIVED.has(name)) return undefined;
  const host = request.header('host')?.toLowerCase();
  const queryStart = request.path.indexOf('?');
  const pathOnly = queryStart === -1 ? request.path : request.path.slice(0, queryStart);
  switch (name) {
    case '@method':
      return request.method;
    case '@target-uri':
      return host === undefined ? undefined : `${request.scheme}://${host}${request.path}`;
    case '@authority':
      return host;
    case '@scheme':
      return request.scheme;
    case '@request-target':
      return request.path;
    case '@path':
      return pathOnly === '' ? '/' : pathOnly;
    default: // '@query'
      return queryStart === -1 ? '?' : request.path.slice(queryStart);
  }
}

function verifyWithAlgorithm(alg: unknown, data: Buffer, key: KeyObject, signature: Buffer): boolean {
  const algorithm = typeof alg === 'string' ? alg : defaultAlgorithm(key);
  switch (algorithm) {
    case 'rsa-v1_5-sha256':
      return key.asymmetricKeyType === 'rsa' && cryptoVerify('sha256', data, key, signature);
    case 'rsa-pss-sha512':
      return (
        (key.asymmetricKeyType === 'rsa' || key.asymmetricKeyType === 'rsa-pss') &&
        cryptoVerify('sha512', data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 64 }, signature)
      );
    case 'ecdsa-p256-sha256':
      return key.asymmetricKeyType === 'ec' && cryptoVerify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, signature);
    case 'ed25519':
      return key.asymmetricKeyType === 'ed25519' && cryptoVerify(null, data, key, signature);
    default:
      return false;
  }
}

/** Without `alg`, the key decides (RFC 9421 §3.3.7); RSA means PKCS#1 v1.5 as Fedify signs. */
function defaultAlgorithm(key: KeyObject): string | undefined {
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return 'rsa-v1_5-sha256';
    case 'ed25519':
      return 'ed25519';
    case 'ec':
      return 'ecdsa-p256-sha256';
    default:
      return undefined;
  }
}

function malformed(reason: string): Result<never, VerifyError> {
  return err({ kind: 'malformed-signature', reason });
}
