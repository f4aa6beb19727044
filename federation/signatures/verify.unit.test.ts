import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, sign as cryptoSign, type KeyObject } from 'node:crypto';
import { describe, it } from 'node:test';
import { MAX_SIGNATURE_AGE_MS, signRequest, verifyRequest, type HeaderMap, type KeyResolver, type ResolvedKey } from './index.js';

const KEY_ID = 'https://remote.example/users/alice#main-key';
const OWNER = 'https://remote.example/users/alice';
const NOW = new Date('2025-03-01T12:00:00Z');
const URL_ = 'https://rooms.example/inbox?x=1';
const BODY = Buffer.from('{"type":"Follow","actor":"https://remote.example/users/alice"}');

function rsaPair(): { privateKey: KeyObject; publicPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { privateKey, publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}
const alice = rsaPair();
const mallory = rsaPair();

/** A resolver that records its calls and answers from a list (last answer repeats). */
function resolver(...answers: (ResolvedKey | null)[]): KeyResolver & { calls: { keyId: string; refresh: boolean }[] } {
  const calls: { keyId: string; refresh: boolean }[] = [];
  const fn = (keyId: string, options: { refresh: boolean }): Promise<ResolvedKey | null> => {
    calls.push({ keyId, refresh: options.refresh });
    return Promise.resolve(answers[Math.min(calls.length - 1, answers.length - 1)] ?? null);
  };
  return Object.assign(fn, { calls });
}
const aliceKey: ResolvedKey = { owner: OWNER, publicKeyPem: alice.publicPem };

/** A signed POST as Mastodon would send it, as Node would present it to us. */
function signedPost(options: { body?: Buffer; date?: Date; key?: KeyObject } = {}): HeaderMap {
  const body = options.body ?? BODY;
  const added = signRequest({
    method: 'POST',
    url: URL_,
    headers: { 'content-type': 'application/activity+json' },
    body,
    keyId: KEY_ID,
    privateKeyPem: options.key ?? alice.privateKey,
    now: options.date ?? NOW,
  });
  return lowerCase({ ...added, 'content-type': 'application/activity+json' });
}

function lowerCase(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}

/** Hand-made draft-cavage signature over an arbitrary header list (for the failure cases). */
function cavage(headers: Record<string, string>, covered: string[], extra = ''): string {
  const lines = covered.map((name) => (name === '(request-target)' ? `${name}: post /inbox?x=1` : `${name}: ${headers[name] ?? ''}`));
  const signature = cryptoSign('sha256', Buffer.from(lines.join('\n')), alice.privateKey).toString('base64');
  return `keyId="${KEY_ID}",headers="${covered.join(' ')}",signature="${signature}"${extra}`;
}

async function verify(headers: HeaderMap, resolveKey: KeyResolver = resolver(aliceKey), options: { body?: Buffer; now?: Date; method?: string } = {}) {
  return verifyRequest({
    method: options.method ?? 'POST',
    path: '/inbox?x=1',
    headers,
    rawBody: options.body ?? BODY,
    now: options.now ?? NOW,
    resolveKey,
  });
}

function kindOf(result: Awaited<ReturnType<typeof verify>>): string {
  return result.ok ? 'ok' : result.error.kind;
}

void describe('signRequest', () => {
  void it('produces Date, Host, Digest and a Signature covering (request-target) host date digest', () => {
    const headers = signRequest({ method: 'POST', url: URL_, headers: {}, body: BODY, keyId: KEY_ID, privateKeyPem: alice.privateKey, now: NOW });
    assert.equal(headers['Date'], 'Sat, 01 Mar 2025 12:00:00 GMT');
    assert.equal(headers['Host'], 'rooms.example');
    assert.equal(headers['Digest'], `SHA-256=${createHash('sha256').update(BODY).digest('base64')}`);
    assert.match(headers['Signature'] ?? '', /^keyId="https:\/\/remote\.example\/users\/alice#main-key",algorithm="rsa-sha256",headers="\(request-target\) host date digest",signature="[A-Za-z0-9+/=]+"$/);
  });

  void it('covers accept on a GET and keeps a non-default port in Host', () => {
    const headers = signRequest({ method: 'GET', url: 'https://rooms.example:8443/users/bob', headers: { Accept: 'application/activity+json' }, keyId: KEY_ID, privateKeyPem: alice.privateKey });
    assert.equal(headers['Host'], 'rooms.example:8443');
    assert.equal(headers['Digest'], undefined);
    assert.match(headers['Signature'] ?? '', /headers="\(request-target\) host date accept"/);
  });

  void it('refuses a non-RSA key', () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    assert.throws(() => signRequest({ method: 'GET', url: URL_, headers: {}, keyId: KEY_ID, privateKeyPem: privateKey }), /only RSA/);
  });
});

void describe('verifyRequest (draft-cavage)', () => {
  void it('round-trips a signed POST and returns key id and owner', async () => {
    const result = await verify(signedPost());
    assert.deepEqual(result, { ok: true, value: { keyId: KEY_ID, owner: OWNER, standard: 'draft-cavage' } });
  });

  void it('round-trips a signed GET that covers accept', async () => {
    const added = signRequest({ method: 'GET', url: URL_, headers: { accept: 'application/activity+json' }, keyId: KEY_ID, privateKeyPem: alice.privateKey, now: NOW });
    const headers = { ...lowerCase(added), accept: 'application/activity+json' };
    assert.equal(kindOf(await verify(headers, resolver(aliceKey), { method: 'GET', body: Buffer.alloc(0) })), 'ok');
  });

  void it('accepts the Authorization: Signature form', async () => {
    const { signature, ...rest } = signedPost() as Record<string, string>;
    assert.equal(kindOf(await verify({ ...rest, authorization: `Signature ${signature}` })), 'ok');
  });

  void it('accepts hs2019 and a missing algorithm as RSASSA-PKCS1-v1_5 SHA-256 for an RSA key', async () => {
    const headers = signedPost() as Record<string, string>;
    const hs2019 = { ...headers, signature: (headers['signature'] ?? '').replace('algorithm="rsa-sha256"', 'algorithm="hs2019"') };
    assert.match(hs2019.signature, /hs2019/);
    assert.equal(kindOf(await verify(hs2019)), 'ok');
    const bare = { ...headers, signature: (headers['signature'] ?? '').replace('algorithm="rsa-sha256",', '') };
    assert.equal(kindOf(await verify(bare)), 'ok');
  });

  void it('accepts an RFC 9530 Content-Digest instead of Digest', async () => {
    const base = lowerCase({ host: 'rooms.example', date: NOW.toUTCString(), 'content-digest': `sha-256=:${createHash('sha256').update(BODY).digest('base64')}:` });
    const headers = { ...base, signature: cavage(base, ['(request-target)', 'host', 'date', 'content-digest']) };
    assert.equal(kindOf(await verify(headers)), 'ok');
    const tampered = { ...headers, 'content-digest': `sha-256=:${createHash('sha256').update('other').digest('base64')}:` };
    assert.equal(kindOf(await verify(tampered)), 'digest-mismatch');
    assert.equal(kindOf(await verify(headers, resolver(aliceKey), { body: Buffer.from('other') })), 'digest-mismatch');
  });

  void it('reports missing-signature when there is none', async () => {
    assert.equal(kindOf(await verify({ host: 'rooms.example', date: NOW.toUTCString() })), 'missing-signature');
    assert.equal(kindOf(await verify({ authorization: 'Bearer abc' })), 'missing-signature');
  });

  void it('reports malformed-signature for unparsable, keyless or non-base64 headers', async () => {
    const base = signedPost();
    for (const signature of ['garbage', 'headers="date",signature="abc="', `keyId="${KEY_ID}",signature="not base64!"`, `keyId="a",keyId="b",signature="YQ=="`]) {
      assert.equal(kindOf(await verify({ ...base, signature })), 'malformed-signature', signature);
    }
  });

  void it('reports unsupported-algorithm for anything but rsa-sha256 and hs2019', async () => {
    const headers = signedPost() as Record<string, string>;
    for (const algorithm of ['rsa-sha512', 'hmac-sha256', 'ecdsa-sha256']) {
      const signature = (headers['signature'] ?? '').replace('rsa-sha256', algorithm);
      const result = await verify({ ...headers, signature });
      assert.deepEqual(result, { ok: false, error: { kind: 'unsupported-algorithm', algorithm } });
    }
  });

  void it('reports missing-signed-header when (request-target), host or date is not covered, or a covered header is absent', async () => {
    const base = lowerCase({ host: 'rooms.example', date: NOW.toUTCString(), digest: `SHA-256=${createHash('sha256').update(BODY).digest('base64')}` });
    for (const [covered, header] of [
      [['host', 'date', 'digest'], '(request-target)'],
      [['(request-target)', 'date', 'digest'], 'host'],
      [['(request-target)', 'host', 'digest'], 'date'],
      [['(request-target)', 'host', 'date', 'digest', 'accept'], 'accept'],
    ] as const) {
      const result = await verify({ ...base, signature: cavage(base, [...covered]) });
      assert.deepEqual(result, { ok: false, error: { kind: 'missing-signed-header', header } });
    }
  });

  void it('requires a digest for a body, and that it is covered by the signature', async () => {
    const base = lowerCase({ host: 'rooms.example', date: NOW.toUTCString() });
    const noDigest = { ...base, signature: cavage(base, ['(request-target)', 'host', 'date']) };
    assert.equal(kindOf(await verify(noDigest)), 'missing-digest');
    const uncovered = { ...noDigest, digest: `SHA-256=${createHash('sha256').update(BODY).digest('base64')}` };
    assert.deepEqual(await verify(uncovered), { ok: false, error: { kind: 'missing-signed-header', header: 'digest' } });
    const unusable = { ...signedPost(), digest: 'MD5=abc' };
    assert.equal(kindOf(await verify(unusable)), 'missing-digest');
  });

  void it('reports digest-mismatch when the raw body is not the signed one', async () => {
    const headers = signedPost();
    const result = await verify(headers, resolver(aliceKey), { body: Buffer.from(`${BODY.toString()} `) });
    assert.equal(kindOf(result), 'digest-mismatch');
  });

  void it('refuses dates older than 12 hours or more than 1 hour ahead, and unparsable ones', async () => {
    const at = (ms: number) => new Date(NOW.getTime() + ms);
    assert.equal(kindOf(await verify(signedPost({ date: at(-MAX_SIGNATURE_AGE_MS + 1000) }))), 'ok');
    assert.equal(kindOf(await verify(signedPost({ date: at(-MAX_SIGNATURE_AGE_MS - 1000) }))), 'stale-date');
    assert.equal(kindOf(await verify(signedPost({ date: at(59 * 60 * 1000) }))), 'ok');
    assert.equal(kindOf(await verify(signedPost({ date: at(61 * 60 * 1000) }))), 'future-date');
    const base = lowerCase({ host: 'rooms.example', date: 'yesterday-ish', digest: `SHA-256=${createHash('sha256').update(BODY).digest('base64')}` });
    assert.equal(kindOf(await verify({ ...base, signature: cavage(base, ['(request-target)', 'host', 'date', 'digest']) })), 'invalid-date');
  });

  void it('reports unknown-key when the resolver has no key', async () => {
    const keys = resolver(null);
    assert.equal(kindOf(await verify(signedPost(), keys)), 'unknown-key');
    assert.deepEqual(keys.calls, [{ keyId: KEY_ID, refresh: false }]);
  });

  void it('reports bad-signature for a signature by another key, after exactly one refresh', async () => {
    const keys = resolver(aliceKey);
    assert.equal(kindOf(await verify(signedPost({ key: mallory.privateKey }), keys)), 'bad-signature');
    assert.deepEqual(keys.calls.map((c) => c.refresh), [false, true]);
  });

  void it('follows a key rotation: a failing cached key is refreshed once and the new key verifies', async () => {
    const keys = resolver({ owner: OWNER, publicKeyPem: mallory.publicPem }, aliceKey);
    const result = await verify(signedPost(), keys);
    assert.deepEqual(result, { ok: true, value: { keyId: KEY_ID, owner: OWNER, standard: 'draft-cavage' } });
    assert.deepEqual(keys.calls, [
      { keyId: KEY_ID, refresh: false },
      { keyId: KEY_ID, refresh: true },
    ]);
  });

  void it('does not refresh a key that was just fetched, nor crash on a broken PEM', async () => {
    const fresh = resolver({ owner: OWNER, publicKeyPem: mallory.publicPem, fresh: true });
    assert.equal(kindOf(await verify(signedPost(), fresh)), 'bad-signature');
    assert.equal(fresh.calls.length, 1);
    const broken = resolver({ owner: OWNER, publicKeyPem: 'not a key' });
    assert.equal(kindOf(await verify(signedPost(), broken)), 'bad-signature');
    assert.equal(broken.calls.length, 2);
  });

  void it('makes the cheap checks before any key lookup', async () => {
    const keys = resolver(aliceKey);
    await verify(signedPost({ date: new Date(0) }), keys);
    await verify(signedPost(), keys, { body: Buffer.from('tampered') });
    await verify({ ...signedPost(), signature: 'garbage' }, keys);
    assert.equal(keys.calls.length, 0);
  });
});
