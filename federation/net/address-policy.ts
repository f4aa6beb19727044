import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

type IPv4 = ipaddr.IPv4;
type IPv6 = ipaddr.IPv6;
type Cidr = [IPv4 | IPv6, number];

/** Whether an address may be connected to, and if not, which range it fell in. */
export type AddressVerdict = { allowed: true } | { allowed: false; reason: string };

/** 2000::/3, the only IPv6 block IANA allocates global unicast addresses from. */
const GLOBAL_UNICAST_V6: Cidr = ipaddr.parseCIDR('2000::/3');
/** RFC 6052 well-known NAT64 prefix: the last 32 bits are a real IPv4 destination. */
const NAT64_WELL_KNOWN: Cidr = ipaddr.parseCIDR('64:ff9b::/96');

/**
 * Decides whether an IP address is a public destination for outbound
 * federation traffic.
 *
 * Why a positive rule: rather than list every private range, an IPv4 address
 * must be what ipaddr.js classifies as plain `unicast` (so loopback, RFC 1918,
 * link-local, CGNAT, multicast, broadcast, unspecified, documentation,
 * benchmarking and reserved ranges are all refused), and an IPv6 address must
 * lie in 2000::/3 outside every special range. IPv6 forms that carry an IPv4
 * address (IPv4-mapped, NAT64 64:ff9b::/96, 6to4, Teredo) are judged by the
 * IPv4 address they lead to, so `::ffff:127.0.0.1` or `2002:7f00:1::` cannot
 * smuggle loopback in, while NAT64 answers for public hosts (DNS64 on
 * IPv6-only networks) still work.
 *
 * The allow-list (`allowPrivate`, CIDR strings) wins over every rule; it
 * exists so tests and explicit operator configuration can reach loopback.
 */
export class AddressPolicy {
  readonly #allowed: readonly Cidr[];

  /** @throws Error when an allow-list entry is not a valid CIDR (a configuration error) */
  constructor(allowPrivate: readonly string[]) {
    this.#allowed = allowPrivate.map((cidr) => {
      try {
        return ipaddr.parseCIDR(cidr);
      } catch {
        throw new Error(`allowPrivate: not a CIDR range: ${cidr}`);
      }
    });
  }

  /** Judges one textual IP address (as reported by DNS or a socket). */
  check(address: string): AddressVerdict {
    // net.isIP accepts only the standard textual forms; ipaddr.js alone would
    // also accept legacy IPv4 spellings like "0x7f.1".
    if (isIP(address) === 0) return { allowed: false, reason: 'not-an-ip-address' };
    let parsed: IPv4 | IPv6;
    try {
      parsed = ipaddr.parse(address);
    } catch {
      return { allowed: false, reason: 'not-an-ip-address' };
    }
    if (this.#isAllowListed(parsed)) return { allowed: true };
    const reason = nonPublicReason(parsed);
    return reason === undefined ? { allowed: true } : { allowed: false, reason };
  }

  #isAllowListed(address: IPv4 | IPv6): boolean {
    const candidates: (IPv4 | IPv6)[] = [address];
    if (address.kind() === 'ipv6' && (address as IPv6).isIPv4MappedAddress()) {
      candidates.push((address as IPv6).toIPv4Address());
    }
    return candidates.some((candidate) =>
      this.#allowed.some(([network, bits]) => network.kind() === candidate.kind() && candidate.match(network, bits)),
    );
  }
}

/** Returns why an address is not a public destination, or undefined when it is. */
function nonPublicReason(address: IPv4 | IPv6): string | undefined {
  if (address.kind() === 'ipv4') return ipv4Reason(address as IPv4);
  const v6 = address as IPv6;
  const range = v6.range();
  switch (range) {
    case 'ipv4Mapped':
      return embedded('ipv4Mapped', v6.toIPv4Address());
    case 'rfc6052':
      // 64:ff9b:1::/48 (RFC 8215) is for local NAT64 deployments: refuse it.
      return v6.match(NAT64_WELL_KNOWN) ? embedded('nat64', v4FromParts(v6.parts[6], v6.parts[7])) : 'nat64-local-use';
    case '6to4':
      return embedded('6to4', v4FromParts(v6.parts[1], v6.parts[2]));
    case 'teredo': {
      // RFC 4380: bits 32-63 hold the server's IPv4, the last 32 bits the
      // client's IPv4 with every bit inverted.
      const server = embedded('teredo-server', v4FromParts(v6.parts[2], v6.parts[3]));
      const client = embedded('teredo-client', v4FromParts(invert16(v6.parts[6]), invert16(v6.parts[7])));
      return server ?? client;
    }
    case 'unicast':
      return v6.match(GLOBAL_UNICAST_V6) ? undefined : 'not-global-unicast';
    default:
      return range;
  }
}

function ipv4Reason(address: IPv4): string | undefined {
  const range = address.range();
  return range === 'unicast' ? undefined : range;
}

function embedded(form: string, v4: IPv4): string | undefined {
  const reason = ipv4Reason(v4);
  return reason === undefined ? undefined : `${form}:${reason}`;
}

function v4FromParts(high: number | undefined, low: number | undefined): IPv4 {
  const h = high ?? 0;
  const l = low ?? 0;
  return new ipaddr.IPv4([h >> 8, h & 0xff, l >> 8, l & 0xff]);
}

function invert16(part: number | undefined): number {
  return ~(part ?? 0) & 0xffff;
}
