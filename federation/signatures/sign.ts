import { createPrivateKey, sign as cryptoSign, type KeyObject } from 'node:crypto';
import { digestHeader } from './digest.js';
import { KeyCache } from './key-cache.js';

/** What {@link signRequest} signs. */
export interface SignRequestInput {
  readonly method: string;
  /** Absolute URL of the request (this hop). */
  readonly url: string;
  /** Headers that will be sent; `accept` is covered on bodiless requests when present. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: Buffer | string;
  /** The key's id, e.g. `https://rooms.example/actor#main-key`. */
  readonly keyId: string;
  /** RSA private key, PEM (or an already parsed KeyObject). */
  readonly privateKeyPem: string | KeyObject;
  /** Signing time; default now. */
  readonly now?: Date;
}

/**
 * Signs a request the way Mastodon expects (draft-cavage-http-signatures-12,
 * `rsa-sha256`): returns the headers to add, `Date`, `Host`, `Digest` when
 * there is a body, and `Signature`.
 *
 * Covered headers: `(request-target) host date digest` with a body, and
 * `(request-target) host date accept` without one (`accept` only if sent),
 * which is what instances in authorized-fetch mode require.
 *
 * @throws Error when the key is not an RSA private key (a configuration error)
 */
export function signRequest(input: SignRequestInput): Record<string, string> {
  const prepared = prepare(input);
  return prepared.finish(cryptoSign('sha256', prepared.signingString, prepared.key));
}

/**
 * {@link signRequest} with the RSA operation on libuv's thread pool: the
 * event loop keeps serving while a fan-out's hundreds of signatures (about
 * a millisecond of CPU each) are made, on every core.
 *
 * Rejects when the key is not an RSA private key (a configuration error).
 */
export function signRequestAsync(input: SignRequestInput): Promise<Record<string, string>> {
  return new Promise((resolve, reject) => {
    const prepared = prepare(input);
    cryptoSign('sha256', prepared.signingString, prepared.key, (error, signature) => {
      if (error) reject(error);
      else resolve(prepared.finish(signature));
    });
  });
}

/** Everything but the RSA signature: the headers to add, the signing string, and how to finish. */
function prepare(input: SignRequestInput): { key: KeyObject; signingString: Buffer; finish(signature: Buffer): Record<string, string> } {
  const key = typeof input.privateKeyPem === 'string' ? privateKeyObject(input.privateKeyPem) : input.privateKeyPem;
  if (key.asymmetricKeyType !== 'rsa') throw new Error('signRequest: only RSA keys are supported (rsa-sha256)');
  const url = new URL(input.url);
  const lower: Record<string, string> = {};
  for (const [name, value] of Object.entries(input.headers)) lower[name.toLowerCase()] = value;

  const added: Record<string, string> = {
    Date: (input.now ?? new Date()).toUTCString(),
    Host: url.host,
  };
  lower['date'] = added['Date'] ?? '';
  lower['host'] = url.host;
  const covered = ['(request-target)', 'host', 'date'];
  if (input.body !== undefined) {
    added['Digest'] = digestHeader(input.body);
    lower['digest'] = added['Digest'];
    covered.push('digest');
  } else if (lower['accept'] !== undefined) {
    covered.push('accept');
  }

  const requestTarget = `${input.method.toLowerCase()} ${url.pathname}${url.search}`;
  const signingString = covered
    .map((name) => (name === '(request-target)' ? `${name}: ${requestTarget}` : `${name}: ${lower[name] ?? ''}`))
    .join('\n');
  return {
    key,
    signingString: Buffer.from(signingString, 'utf8'),
    finish: (signature) => {
      added['Signature'] =
        `keyId="${quote(input.keyId)}",algorithm="rsa-sha256",headers="${covered.join(' ')}",signature="${signature.toString('base64')}"`;
      return added;
    },
  };
}

/**
 * A signer for the safe HTTP client (structurally its `RequestSigner`),
 * bound to one key; the PEM is parsed once.
 */
export function createRequestSigner(options: { keyId: string; privateKeyPem: string }): {
  sign(request: { method: string; url: string; headers: Readonly<Record<string, string>>; body?: Buffer | string }): Record<string, string>;
} {
  const key = privateKeyObject(options.privateKeyPem);
  return {
    sign: (request) => signRequest({ ...request, keyId: options.keyId, privateKeyPem: key }),
  };
}

/** Private keys parsed once each; bounded so rotated or deleted keys age out. */
const privateKeys = new KeyCache(512, createPrivateKey);

/**
 * The private key of a PEM, parsed once and kept: parsing an RSA key costs
 * about as much as the signature itself, and outbound deliveries carry the
 * PEM of a few local actors over and over.
 * @throws Error when the PEM is not a private key
 */
export function privateKeyObject(pem: string): KeyObject {
  return privateKeys.get(pem);
}

function quote(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
}
