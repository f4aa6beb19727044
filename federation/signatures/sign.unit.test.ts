import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { describe, it } from 'node:test';
import { privateKeyObject, signRequest } from './sign.js';

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });

describe('outbound signing keys', () => {
  it('parses each PEM once and keeps the KeyObject', () => {
    const a = privateKeyObject(privateKey);
    assert.equal(privateKeyObject(privateKey), a);
    assert.equal(a.asymmetricKeyType, 'rsa');
  });

  it('signs with the kept key as with the PEM: the signature verifies', () => {
    const headers = signRequest({ method: 'POST', url: 'https://remote.example/inbox', headers: {}, body: '{}', keyId: 'k', privateKeyPem: privateKey, now: new Date(0) });
    const signature = /signature="([^"]+)"/.exec(headers.Signature ?? '')?.[1] ?? '';
    const signed = `(request-target): post /inbox\nhost: remote.example\ndate: ${new Date(0).toUTCString()}\ndigest: ${headers.Digest ?? ''}`;
    assert.ok(verify('sha256', Buffer.from(signed), createPublicKey(privateKey), Buffer.from(signature, 'base64')));
  });

  it('throws on a PEM that is not a key, every time (nothing kept)', () => {
    assert.throws(() => privateKeyObject('not a key'));
    assert.throws(() => privateKeyObject('not a key'));
  });
});
