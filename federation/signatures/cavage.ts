import { err, ok, type Result } from '../../server/core/result.js';
import type { VerifyError } from './types.js';

/** The parameters of a draft-cavage `Signature` header. */
export interface CavageSignature {
  readonly keyId: string;
  /** Lower-cased; undefined when the header has no algorithm parameter. */
  readonly algorithm: string | undefined;
  /** Lower-cased covered header names, in signing order. */
  readonly headers: readonly string[];
  readonly signature: Buffer;
  readonly created: number | undefined;
  readonly expires: number | undefined;
}

const PARAM = /^\s*([A-Za-z]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([0-9]+(?:\.[0-9]+)?))\s*(?:,|$)/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * Parses `keyId="…",algorithm="…",headers="…",signature="…"` (the value of a
 * `Signature` header, or of `Authorization` after `Signature `). Unknown
 * parameters are ignored; a repeated one makes the header malformed.
 */
export function parseCavageSignature(value: string): Result<CavageSignature, VerifyError> {
  const params = new Map<string, string>();
  let rest = value.trim();
  while (rest.length > 0) {
    const match = PARAM.exec(rest);
    if (match === null) return malformed('unparsable parameter list');
    const name = (match[1] ?? '').toLowerCase();
    if (params.has(name)) return malformed(`parameter ${name} repeated`);
    params.set(name, match[2] !== undefined ? match[2].replace(/\\(.)/g, '$1') : (match[3] ?? ''));
    rest = rest.slice(match[0].length);
  }
  const keyId = params.get('keyid');
  const signature = params.get('signature');
  if (keyId === undefined || keyId === '') return malformed('no keyId');
  if (signature === undefined || !BASE64.test(signature)) return malformed('no base64 signature');
  const created = optionalInteger(params.get('created'));
  const expires = optionalInteger(params.get('expires'));
  if (created === null || expires === null) return malformed('created/expires are not integers');
  // draft-cavage: when `headers` is absent, only `date` is covered.
  const headers = (params.get('headers') ?? 'date').toLowerCase().split(/\s+/).filter((h) => h !== '');
  if (headers.length === 0) return malformed('empty headers list');
  return ok({
    keyId,
    algorithm: params.get('algorithm')?.toLowerCase(),
    headers,
    signature: Buffer.from(signature, 'base64'),
    created,
    expires,
  });
}

/**
 * Builds the draft-cavage signing string. Returns the name of the first
 * covered header the request lacks, as an error.
 */
export function cavageSigningString(
  parsed: CavageSignature,
  request: { method: string; path: string; header(name: string): string | undefined },
): Result<string, VerifyError> {
  const lines: string[] = [];
  for (const name of parsed.headers) {
    let value: string | undefined;
    if (name === '(request-target)') value = `${request.method.toLowerCase()} ${request.path}`;
    else if (name === '(created)') value = parsed.created?.toString();
    else if (name === '(expires)') value = parsed.expires?.toString();
    else value = request.header(name);
    if (value === undefined) return err({ kind: 'missing-signed-header', header: name });
    lines.push(`${name}: ${value}`);
  }
  return ok(lines.join('\n'));
}

function optionalInteger(value: string | undefined): number | undefined | null {
  if (value === undefined) return undefined;
  return /^[0-9]+$/.test(value) ? Number(value) : null;
}

function malformed(reason: string): Result<never, VerifyError> {
  return err({ kind: 'malformed-signature', reason });
}
