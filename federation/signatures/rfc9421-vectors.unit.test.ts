/**
 * RFC 9421 verification against signatures this module did not make: the
 * RFC's own Appendix B examples (published keys, requests and signatures) and
 * a request signed by Mastodon (the vector Fedify's test suite verifies), so a
 * signature base that only agrees with itself fails here.
 */
import assert from 'node:assert/strict';
import { constants, createPublicKey, verify as cryptoVerify } from 'node:crypto';
import { describe, it } from 'node:test';
import { verifyRequest } from './index.js';
import { signatureBase } from './rfc9421.js';
import { parseDictionary, type InnerList } from './structured-fields.js';

/** RFC 9421 Appendix B.1.2, `test-key-rsa-pss` (public half). */
const TEST_KEY_RSA_PSS = createPublicKey(`-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAr4tmm3r20Wd/PbqvP1s2
+QEtvpuRaV8Yq40gjUR8y2Rjxa6dpG2GXHbPfvMs8ct+Lh1GH45x28Rw3Ry53mm+
oAXjyQ86OnDkZ5N8lYbggD4O3w6M6pAvLkhk95AndTrifbIFPNU8PPMO7OyrFAHq
gDsznjPFmTOtCEcN2Z1FpWgchwuYLPL+Wokqltd11nqqzi+bJ9cvSKADYdUAAN5W
Utzdpiy6LbTgSxP7ociU4Tn0g5I6aDZJ7A8Lzo0KSyZYoA485mqcO0GVAdVw9lq4
aOT9v6d+nb4bnNkQVklLQ3fVAvJm+xdDOp9LCNCN48V2pnDOkFV6+U9nV5oyc6XI
2wIDAQAB
-----END PUBLIC KEY-----`);

/** The request of RFC 9421 Appendix B.2: `POST /foo?param=Value&Pet=dog` to example.com. */
const RFC_HEADERS: Record<string, string> = {
  host: 'example.com',
  date: 'Tue, 20 Apr 2021 02:07:55 GMT',
  'content-type': 'application/json',
  'content-digest': 'sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:',
  'content-length': '18',
};
const RFC_PATH = '/foo?param=Value&Pet=dog';

function inputOf(signatureInput: string): InnerList {
  const member = [...parseDictionary(signatureInput).values()][0];
  assert.ok(member !== undefined && 'items' in member);
  return member;
}

/** rsa-pss-sha512 as RFC 9421 §3.3.1 defines it (salt of 64 bytes). */
function rsaPssVerifies(base: string, signatureB64: string): boolean {
  return cryptoVerify('sha512', Buffer.from(base), { key: TEST_KEY_RSA_PSS, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 64 }, Buffer.from(signatureB64, 'base64'));
}

void describe('RFC 9421 verification against external vectors', () => {
  void it('B.2.1 (minimal, rsa-pss-sha512): the published signature verifies over our base; the verifier refuses it by policy', async () => {
    const signatureInput = 'sig-b21=();created=1618884473;keyid="test-key-rsa-pss";nonce="b3k2pp5k7z-50gnwp.yemd"';
    const signature = 'd2pmTvmbncD3xQm8E9ZV2828BjQWGgiwAaw5bAkgibUopemLJcWDy/lkbbHAve4cRAtx31Iq786U7it++wgGxbtRxf8Udx7zFZsckzXaJMkA7ChG52eSkFxykJeNqsrWH5S+oxNFlD4dzVuwe8DhTSja8xxbR/Z2cOGdCbzR72rgFWhzx2VjBqJzsPLMIQKhO4DGezXehhWwE56YCE+O6c0mKZsfxVrogUvA4HELjVKWmAvtl6UnCh8jYzuVG5WSb/QEVPnP5TmcAnLH1g+s++v6d4s8m0gCw1fV5/SITLq9mhho8K3+7EPYTU8IU1bLhdxO5Nyt8C8ssinQ98Xw9Q==';
    const base = signatureBase({ method: 'POST', scheme: 'https', path: RFC_PATH, header: (n) => RFC_HEADERS[n] }, inputOf(signatureInput));
    assert.ok(base.ok, JSON.stringify(base));
    assert.equal(base.value, '"@signature-params": ();created=1618884473;keyid="test-key-rsa-pss";nonce="b3k2pp5k7z-50gnwp.yemd"');
    assert.equal(rsaPssVerifies(base.value, signature), true, 'the RFC signature verifies over the base we build');
    // It covers nothing, so it proves nothing about the request: refused before any key is asked for.
    const result = await verifyRequest({
      method: 'POST', path: RFC_PATH, rawBody: Buffer.from('{"hello": "world"}'), now: new Date(1618884473 * 1000),
      headers: { ...RFC_HEADERS, 'signature-input': signatureInput, signature: `sig-b21=:${signature}:` },
      resolveKey: () => Promise.reject(new Error('no key should be needed')),
    });
    assert.deepEqual(result, { ok: false, error: { kind: 'missing-signed-header', header: '@method' } });
  });

  void it('B.2.3 (full coverage, rsa-pss-sha512): our base is the RFC\'s byte for byte, and its signature verifies over it', () => {
    const signatureInput = 'sig-b23=("date" "@method" "@path" "@query" "@authority" "content-type" "content-digest" "content-length");created=1618884473;keyid="test-key-rsa-pss"';
    const signature = 'bbN8oArOxYoyylQQUU6QYwrTuaxLwjAC9fbY2F6SVWvh0yBiMIRGOnMYwZ/5MR6fb0Kh1rIRASVxFkeGt683+qRpRRU5p2voTp768ZrCUb38K0fUxN0O0iC59DzYx8DFll5GmydPxSmme9v6ULbMFkl+V5B1TP/yPViV7KsLNmvKiLJH1pFkh/aYA2HXXZzNBXmIkoQoLd7YfW91kE9o/CCoC1xMy7JA1ipwvKvfrs65ldmlu9bpG6A9BmzhuzF8Eim5f8ui9eH8LZH896+QIF61ka39VBrohr9iyMUJpvRX2Zbhl5ZJzSRxpJyoEZAFL2FUo5fTIztsDZKEgM4cUA==';
    const base = signatureBase({ method: 'POST', scheme: 'https', path: RFC_PATH, header: (n) => RFC_HEADERS[n] }, inputOf(signatureInput));
    assert.deepEqual(base, {
      ok: true,
      value: [
        '"date": Tue, 20 Apr 2021 02:07:55 GMT',
        '"@method": POST',
        '"@path": /foo',
        '"@query": ?param=Value&Pet=dog',
        '"@authority": example.com',
        '"content-type": application/json',
        '"content-digest": sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:',
        '"content-length": 18',
        '"@signature-params": ("date" "@method" "@path" "@query" "@authority" "content-type" "content-digest" "content-length");created=1618884473;keyid="test-key-rsa-pss"',
      ].join('\n'),
    });
    assert.equal(rsaPssVerifies(base.value, signature), true);
    assert.equal(rsaPssVerifies(base.value.replace('POST', 'PUT'), signature), false, 'and not over another base');
  });

  void it('verifies end to end a GET signed by Mastodon (rsa-v1_5-sha256 without alg), and refuses it altered', async () => {
    // Fedify's test suite carries this request as Mastodon signed it, with the key of remote.domain/users/bob.
    const publicKeyPem = `-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAqIAYvNFGbZ5g4iiK6feS
dXD4bDStFM58A7tHycYXaYtzZQpIeHXAmaXuZzXIwtrP4N0gIk8JNwZvXj2UPS+S
07t0V9wNK94he01LV5EMz/GN4eNnFmDL64HIEuKLvV8TvgjbUPRD6Y5X0UpKi2ZI
FLSb96Q5w0Z/k7ntpVKV52y8kz5Fjr/O/0JuHryZe0yItzJh8kzFfeMf0EXzfSna
KvT7P9jhgC6uTre+jXyvVZjiHDrnqvvucdI3I7DRfXo1OqARBrLjy+TdseUAjNYJ
+OuPRI1URIWQI01DCHqcohVu9+Ar+BiCjFp3ua+XMuJvrvbD61d1Fvig/9nbBRR+
8QIDAQAB
-----END PUBLIC KEY-----`;
    const keyId = 'https://remote.domain/users/bob#main-key';
    const headers = {
      host: 'www.example.com',
      'signature-input': `sig1=("@method" "@target-uri");created=1703066400;keyid="${keyId}"`,
      signature: 'sig1=:WfM6q/qBqhUyqPUDt9metjadJGtLLpmMTBzk/t+R3byKe4/TGAXC6vBB/M6NsD5qv8GCmQGtisCMQxJQO0IGODGzi+Jv+eqDJ50agMVXNV6nUOzY44c4/XTPoI98qyx1oEMa4Hefy3vSYKq96iDVAc+RDLCMTeGP3wn9wizjD1SNmU0RZI1bTB+eCkywMP9mM5zXzUOYF+Qkuf+WdEpPR1XUGPlnqfdvPalcKVfaI/VThBjI91D/lmUGoa69x4EBEHM+aJmW6086e7/dVh+FndKkdGfXslZXFZKi2flTGQZgEWLn948SqAaJQROkJg8B14Sb1NONS1qZBhK3Mum8Pg==:',
    };
    const verify = (path: string, method = 'GET') => verifyRequest({
      method, path, headers, rawBody: Buffer.alloc(0), now: new Date('2023-12-20T10:00:00Z'),
      resolveKey: (id) => Promise.resolve(id === keyId ? { owner: 'https://remote.domain/users/bob', publicKeyPem } : null),
    });
    assert.deepEqual(await verify('/activitypub/success'), { ok: true, value: { keyId, owner: 'https://remote.domain/users/bob', standard: 'rfc9421' } });
    assert.deepEqual(await verify('/activitypub/other'), { ok: false, error: { kind: 'bad-signature' } });
    assert.deepEqual(await verify('/activitypub/success', 'HEAD'), { ok: false, error: { kind: 'bad-signature' } });
  });
});
