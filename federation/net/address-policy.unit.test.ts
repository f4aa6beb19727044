import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AddressPolicy } from './address-policy.js';

const strict = new AddressPolicy([]);

function reasonOf(policy: AddressPolicy, address: string): string | undefined {
  const verdict = policy.check(address);
  return verdict.allowed ? undefined : verdict.reason;
}

void describe('AddressPolicy', () => {
  void it('refuses every non-public IPv4 range', () => {
    const cases: [string, string][] = [
      ['127.0.0.1', 'loopback'],
      ['127.255.0.9', 'loopback'],
      ['10.1.2.3', 'private'],
      ['172.16.0.1', 'private'],
      ['172.31.255.254', 'private'],
      ['192.168.1.1', 'private'],
      ['169.254.169.254', 'linkLocal'],
      ['100.64.0.1', 'carrierGradeNat'],
      ['100.127.255.254', 'carrierGradeNat'],
      ['224.0.0.1', 'multicast'],
      ['239.255.255.250', 'multicast'],
      ['0.0.0.0', 'unspecified'],
      ['0.1.2.3', 'unspecified'],
      ['255.255.255.255', 'broadcast'],
      ['192.0.2.10', 'reserved'],
      ['198.51.100.7', 'reserved'],
      ['203.0.113.5', 'reserved'],
      ['198.18.0.1', 'reserved'],
      ['240.0.0.1', 'reserved'],
      ['192.0.0.8', 'reserved'],
    ];
    for (const [address, reason] of cases) assert.equal(reasonOf(strict, address), reason, address);
  });

  void it('refuses every non-public IPv6 range, including IPv4 embedded in IPv6', () => {
    const cases: [string, string][] = [
      ['::1', 'loopback'],
      ['::', 'unspecified'],
      ['fe80::1', 'linkLocal'],
      ['fc00::1', 'uniqueLocal'],
      ['fd12:3456::1', 'uniqueLocal'],
      ['ff02::1', 'multicast'],
      ['fec0::1', 'deprecatedSiteLocal'],
      ['2001:db8::1', 'reserved'],
      ['100::1', 'discard'],
      ['::ffff:127.0.0.1', 'ipv4Mapped:loopback'],
      ['::ffff:7f00:1', 'ipv4Mapped:loopback'],
      ['::ffff:10.0.0.1', 'ipv4Mapped:private'],
      ['::ffff:169.254.169.254', 'ipv4Mapped:linkLocal'],
      ['64:ff9b::7f00:1', 'nat64:loopback'],
      ['64:ff9b::a9fe:a9fe', 'nat64:linkLocal'],
      ['64:ff9b:1::1', 'nat64-local-use'],
      ['2002:7f00:1::1', '6to4:loopback'],
      ['2002:c0a8:101::1', '6to4:private'],
      // Teredo server 65.54.227.120 (public), client 127.0.0.1 (bits inverted).
      ['2001:0:4136:e378:8000:63bf:80ff:fffe', 'teredo-client:loopback'],
      // Teredo with a private server address.
      ['2001:0:a00:1:8000:63bf:3fff:fdd2', 'teredo-server:private'],
      // IPv4-compatible (deprecated) form; ipaddr.js reads the dotted suffix as mapped.
      ['::127.0.0.1', 'ipv4Mapped:loopback'],
      ['::7f00:1', 'not-global-unicast'],
      ['5f00::1', 'segmentRouting'],
    ];
    for (const [address, reason] of cases) assert.equal(reasonOf(strict, address), reason, address);
  });

  void it('accepts public addresses, and IPv6 forms that lead to public IPv4', () => {
    for (const address of [
      '1.1.1.1',
      '93.184.216.34',
      '100.63.255.255',
      '100.128.0.0',
      '172.32.0.1',
      '2606:4700:4700::1111',
      '2a00:1450:4001:80b::200e',
      '::ffff:1.1.1.1',
      '64:ff9b::101:101',
      '2002:101:101::1',
      '2001:0:4136:e378:8000:63bf:fefe:fefe',
    ]) {
      assert.deepEqual(strict.check(address), { allowed: true }, address);
    }
  });

  void it('refuses strings that are not standard IP literals', () => {
    for (const address of ['localhost', '0x7f.1', '127.1', '', '1.2.3.4.5']) {
      assert.equal(reasonOf(strict, address), 'not-an-ip-address', address);
    }
  });

  void it('lets the allow-list open exactly the listed ranges, including their IPv4-mapped form', () => {
    const policy = new AddressPolicy(['127.0.0.0/8', 'fd00::/8']);
    assert.deepEqual(policy.check('127.0.0.1'), { allowed: true });
    assert.deepEqual(policy.check('::ffff:127.0.0.1'), { allowed: true });
    assert.deepEqual(policy.check('fd00::5'), { allowed: true });
    assert.equal(reasonOf(policy, '::1'), 'loopback');
    assert.equal(reasonOf(policy, '10.0.0.1'), 'private');
    assert.equal(reasonOf(policy, 'fc00::1'), 'uniqueLocal');
  });

  void it('rejects an allow-list entry that is not a CIDR range', () => {
    assert.throws(() => new AddressPolicy(['127.0.0.1']), /not a CIDR range/);
    assert.throws(() => new AddressPolicy(['loopback/8']), /not a CIDR range/);
  });
});
