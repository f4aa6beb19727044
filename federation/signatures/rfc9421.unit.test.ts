import assert from 'node:assert/strict';
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign as cryptoSign, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { describe, it } from 'node:test';
import { checkContentDigestHeader } from './digest.js';
import { verifyRequest, type ResolvedKey } from './index.js';
import { signatureBase } from './rfc9421.js';
import { parseDictionary, serializeInnerList, type InnerList } from './structured-fields.js';

// RFC 9421 Appendix B.1.4 test key (test-key-ed25519) and the B.2.6 example request.
const RFC_PUBLIC = createPublicKey({ key: Buffer.from('MCowBQYDK2VwAyEAJrQLj5P/89iXES9+vFgrIy29clF9CC/oPPsw3c5D0bs=', 'base64'), format: 'der', type: 'spki' });
const RFC_PRIVATE = createPrivateKey({ key: Buffer.from('MC4CAQAwBQYDK2VwBCIEIJ+DYvh6SEqVTm50DFtMDoQikTmiCqirVv9mWG9qfSnF', 'base64'), format: 'der', type: 'pkcs8' });
const RFC_HEADERS: Record<string, string> = {
  host: 'example.com',
  date: 'Tue, 20 Apr 2021 02:07:55 GMT',
  'content-type': 'application/json',
  'content-digest': 'sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:',
  'content-length': '18',
  'signature-input': 'sig-b26=("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519"',
  signature: 'sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==:',
};
const RFC_BODY = Buffer.from('{"hello": "world"}');
const RFC_BASE = [
  '"date": Tue, 20 Apr 2021 02:07:55 GMT',
  '"@method": POST',
  '"@path": /foo',
  '"@authority": example.com',
  '"content-type": application/json',
  '"content-length": 18',
  '"@signature-params": ("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519"',
].join('\n');
const RFC_NOW = new Date(1618884473 * 1000);

function firstInnerList(header: string): InnerList {
  const member = [...parseDictionary(header).values()][0];
  assert.ok(member !== undefined && 'items' in member);
  return member;
}

/** A minimal RFC 9421 signer for the round-trip tests (verification is what we ship). */
function sign9421(options: {
  key: KeyObject;
  alg?: string;
  components: string[];
  headers: Record<string, string>;
  path: string;
  created: number;
}): Record<string, string> {
  const params = `;created=${options.created};keyid="k1"${options.alg === undefined ? '' : `;alg="${options.alg}"`}`;
  const input = firstInnerList(`s=(${options.components.map((c) => `"${c}"`).join(' ')})${params}`);
  const header = (name: string): string | undefined => options.headers[name];
  const base = signatureBase({ method: 'POST', scheme: 'https', path: options.path, header }, input);
  assert.ok(base.ok);
  const algorithm = options.key.asymmetricKeyType === 'ed25519' ? null : 'sha256';
  const signature = cryptoSign(algorithm, Buffer.from(base.value), options.key).toString('base64');
  return { ...options.headers, 'signature-input': `s=${serializeInnerList(input)}`, signature: `s=:${signature}:` };
}

void describe('RFC 9421 verification', () => {
  void it('rebuilds the signature base of RFC 9421 B.2.6 exactly, and its published signature verifies', () => {
    const base = signatureBase({ method: 'POST', scheme: 'https', path: '/foo?param=Value&Pet=dog', header: (n) => RFC_HEADERS[n] }, firstInnerList(RFC_HEADERS['signature-input'] ?? ''));
    assert.deepEqual(base, { ok: true, value: RFC_BASE });
    const signature = Buffer.from('wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==', 'base64');
    assert.equal(cryptoVerify(null, Buffer.from(RFC_BASE), RFC_PUBLIC, signature), true);
    // Ed25519 is deterministic: our base signed with the RFC key gives the RFC's bytes.
    assert.deepEqual(cryptoSign(null, Buffer.from(RFC_BASE), RFC_PRIVATE), signature);
    assert.equal(checkContentDigestHeader(RFC_HEADERS['content-digest'] ?? '', RFC_BODY), 'match');
  });

  void it('parses the B.2.6 request end to end but refuses it by policy: its body digest is not covered', async () => {
    const result = await verifyRequest({
      method: 'POST',
      path: '/foo?param=Value&Pet=dog',
      headers: RFC_HEADERS,
      rawBody: RFC_BODY,
      now: RFC_NOW,
      resolveKey: () => Promise.resolve({ owner: 'x', publicKeyPem: RFC_PUBLIC.export({ type: 'spki', format: 'pem' }).toString() }),
    });
    assert.deepEqual(result, { ok: false, error: { kind: 'missing-signed-header', header: 'content-digest' } });
  });

  const body = Buffer.from('{"type":"Follow"}');
  const created = Math.floor(Date.now() / 1000);
  const baseHeaders = {
    host: 'rooms.example',
    'content-digest': `sha-256=:${createHash('sha256').update(body).digest('base64')}:`,
  };
  const verify = (headers: Record<string, string>, pem: string, rawBody = body) =>
    verifyRequest({ method: 'POST', path: '/inbox', headers, rawBody, now: new Date(), resolveKey: () => Promise.resolve<ResolvedKey>({ owner: 'https://remote.example/actor', publicKeyPem: pem }) });

  for (const type of ['ed25519', 'rsa'] as const) {
    void it(`round-trips a Fedify-style signature (${type}) and refuses a tampered one`, async () => {
      const pair = type === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ed25519');
      const pem = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
      const headers = sign9421({ key: pair.privateKey, components: ['@method', '@target-uri', '@authority', 'content-digest'], headers: baseHeaders, path: '/inbox', created });
      assert.deepEqual(await verify(headers, pem), { ok: true, value: { keyId: 'k1', owner: 'https://remote.example/actor', standard: 'rfc9421' } });
      const other = type === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ed25519');
      const otherPem = other.publicKey.export({ type: 'spki', format: 'pem' }).toString();
      assert.deepEqual(await verify(headers, otherPem), { ok: false, error: { kind: 'bad-signature' } });
      const result = await verify(headers, pem, Buffer.from('{"type":"Block"}'));
      assert.deepEqual(result, { ok: false, error: { kind: 'digest-mismatch' } });
    });
  }

  void it('applies the same policy as draft-cavage: coverage, time window, algorithms', async () => {
    const pair = generateKeyPairSync('ed25519');
    const pem = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const noMethod = sign9421({ key: pair.privateKey, components: ['@target-uri', 'content-digest'], headers: baseHeaders, path: '/inbox', created });
    assert.deepEqual(await verify(noMethod, pem), { ok: false, error: { kind: 'missing-signed-header', header: '@method' } });
    const noDigest = sign9421({ key: pair.privateKey, components: ['@method', '@target-uri'], headers: baseHeaders, path: '/inbox', created });
    assert.deepEqual(await verify(noDigest, pem), { ok: false, error: { kind: 'missing-signed-header', header: 'content-digest' } });
    const stale = sign9421({ key: pair.privateKey, components: ['@method', '@target-uri', 'content-digest'], headers: baseHeaders, path: '/inbox', created: created - 13 * 3600 });
    assert.deepEqual(await verify(stale, pem), { ok: false, error: { kind: 'stale-date' } });
    const future = sign9421({ key: pair.privateKey, components: ['@method', '@target-uri', 'content-digest'], headers: baseHeaders, path: '/inbox', created: created + 2 * 3600 });
    assert.deepEqual(await verify(future, pem), { ok: false, error: { kind: 'future-date' } });
    const hmac = sign9421({ key: pair.privateKey, alg: 'hmac-sha256', components: ['@method', '@target-uri', 'content-digest'], headers: baseHeaders, path: '/inbox', created });
    assert.deepEqual(await verify(hmac, pem), { ok: false, error: { kind: 'unsupported-algorithm', algorithm: 'hmac-sha256' } });
    const truncated = await verify({ ...baseHeaders, 'signature-input': 's=("@method"', signature: 's=:AA==:' }, pem);
    assert.equal(truncated.ok ? 'ok' : truncated.error.kind, 'malformed-signature');
  });
});
