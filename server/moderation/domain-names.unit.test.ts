import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalHost, domainAndParents, normalizeDomain } from './domain-names.js';

describe('domain names for blocks', () => {
  it('gives one form for every spelling of a domain', () => {
    for (const spelling of ['Bücher.Example', 'xn--bcher-kva.example', 'BÜCHER.example.', ' bücher.example ', 'ｂüｃｈｅｒ.example']) {
      assert.deepEqual(normalizeDomain(spelling), { ok: true, value: 'xn--bcher-kva.example' }, spelling);
    }
  });

  it('refuses IP literals', () => {
    for (const ip of ['127.0.0.1', '[::1]', '::1', '10.0.0.1.', '１２７.０.０.１']) {
      assert.deepEqual(normalizeDomain(ip), { ok: false, error: 'ip_literal' }, ip);
    }
  });

  it('refuses what is not a domain name', () => {
    for (const bad of ['', 'localhost', 'a..b', '-bad.example', 'bad-.example', 'https://x.example', 'x.example:443', 'x.example/path', '*.x.example',
      'exa mple.com', 'ex_ample.com', `${'a'.repeat(64)}.example`, 'x.123']) {
      assert.deepEqual(normalizeDomain(bad), { ok: false, error: 'malformed' }, bad);
    }
  });

  it('reads URL hosts with ports, case and trailing dots', () => {
    assert.equal(canonicalHost('Sub.Bücher.Example.:8443'), 'sub.xn--bcher-kva.example');
    assert.deepEqual(domainAndParents('a.b.example'), ['a.b.example', 'b.example', 'example']);
  });
});
