import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkHandle, normalizeHandle } from './handles.js';
import { CURRENT_SCRYPT, hashPassword, needsRehash, verifyPassword } from './passwords.js';
import { hashCode, newOneTimeCode, newSessionToken, normalizeCode, ONE_TIME_CODE_BITS, randomId } from './secrets.js';

describe('passwords (scrypt)', () => {
  it('hashes with N=2^15, r=8, p=1 and fresh salt, parameters stored with the hash', async () => {
    const a = await hashPassword('correct horse battery');
    const b = await hashPassword('correct horse battery');
    assert.match(a, /^\$scrypt\$ln=15,r=8,p=1\$[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{44}$/);
    assert.notEqual(a, b, 'same password, different salt');
    assert.equal(a.includes('correct horse'), false);
  });

  it('verifies the right password only', async () => {
    const stored = await hashPassword('correct horse battery');
    assert.equal(await verifyPassword('correct horse battery', stored), true);
    assert.equal(await verifyPassword('correct horse batterx', stored), false);
    assert.equal(await verifyPassword('', stored), false);
  });

  it('treats composed and decomposed Unicode as the same password (NFC)', async () => {
    const stored = await hashPassword('caf\u00e9 au lait!');
    assert.equal(await verifyPassword('cafe\u0301 au lait!', stored), true);
  });

  it('never matches a malformed or tampered hash', async () => {
    const stored = await hashPassword('correct horse battery');
    assert.equal(await verifyPassword('correct horse battery', 'plaintext'), false);
    assert.equal(await verifyPassword('correct horse battery', stored.replace('ln=15', 'ln=30')), false);
    assert.equal(await verifyPassword('correct horse battery', stored.slice(0, -4)), false);
  });

  it('flags hashes made with weaker parameters for re-hashing, and still verifies them', async () => {
    const weak = await hashPassword('correct horse battery', { ln: 12, r: 8, p: 1 });
    assert.equal(needsRehash(weak), true);
    assert.equal(await verifyPassword('correct horse battery', weak), true);
    assert.equal(needsRehash(await hashPassword('x'.repeat(10))), false);
    assert.equal(needsRehash(await hashPassword('x'.repeat(10)), { ...CURRENT_SCRYPT, ln: 16 }), true);
  });
});

describe('secrets', () => {
  it('makes one-time codes of at least 80 bits that survive retyping', () => {
    assert.ok(ONE_TIME_CODE_BITS >= 80);
    const code = newOneTimeCode();
    assert.match(code, /^[a-z2-7]{5}(-[a-z2-7]{5}){3}$/);
    assert.equal(new Set(Array.from({ length: 200 }, newOneTimeCode)).size, 200);
    assert.equal(hashCode('recovery', code.toUpperCase().replace(/-/g, ' ')), hashCode('recovery', code));
    assert.equal(normalizeCode('AB0-1 8c'), 'abolbc');
  });

  it('hashes a code differently per kind, so a recovery code is never an invite', () => {
    const code = newOneTimeCode();
    assert.notEqual(hashCode('recovery', code), hashCode('invite', code));
    assert.match(hashCode('invite', code), /^[0-9a-f]{64}$/);
  });

  it('makes random ids and 256-bit tokens', () => {
    assert.match(randomId(), /^[0-9a-f]{32}$/);
    assert.notEqual(randomId(), randomId());
    const token = newSessionToken();
    assert.equal(Buffer.from(token, 'base64url').length, 32);
  });
});

describe('handles', () => {
  it('accepts [a-z0-9_]{1,30} after lowercasing', () => {
    assert.deepEqual(checkHandle(normalizeHandle('Night_Owl')), { ok: true, value: 'night_owl' });
    assert.equal(checkHandle('x').ok, true);
    assert.equal(checkHandle('a'.repeat(30)).ok, true);
  });

  it('refuses malformed handles as invalid', () => {
    for (const bad of ['', 'a'.repeat(31), 'night-owl', 'night.owl', 'nïght', 'a b', 'Upper']) {
      assert.deepEqual(checkHandle(bad), { ok: false, error: { kind: 'handle_invalid' } }, bad);
    }
  });

  it('refuses reserved names, also dressed up with digits and underscores', () => {
    for (const name of ['admin', 'root', 'support', 'moderator', 'well_known', 'everyone', 'inbox', 'hearth', 'admin_', '_support2', 'root123']) {
      assert.deepEqual(checkHandle(name), { ok: false, error: { kind: 'handle_reserved' } }, name);
    }
    for (const name of ['administrator', 'postmaster', 'abuse', 'security', 'null', 'undefined', 'relay', 'actor', 'outbox']) {
      assert.deepEqual(checkHandle(name), { ok: false, error: { kind: 'handle_reserved' } }, name);
    }
    assert.equal(checkHandle('adminton').ok, true, 'a word that merely starts with a reserved one is fine');
    assert.equal(checkHandle('42').ok, true);
  });
});
