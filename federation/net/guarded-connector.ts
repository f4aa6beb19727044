import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { buildConnector } from 'undici';
import type { AddressPolicy } from './address-policy.js';

/** Where an address was refused: an IP literal in the URL, a DNS answer, or the connected peer. */
export type BlockStage = 'literal' | 'dns' | 'connected';

/**
 * Thrown inside undici's connect step when the destination is not public.
 * The safe client turns it into a `blocked-address` result; it never escapes.
 */
export class BlockedAddressError extends Error {
  readonly code = 'HEARTH_BLOCKED_ADDRESS';

  constructor(
    readonly address: string,
    readonly reason: string,
    readonly stage: BlockStage,
  ) {
    super(`refused to connect to a non-public address (${reason}, at ${stage})`);
    this.name = 'BlockedAddressError';
  }
}

/**
 * Builds the `connect` function for an undici Agent so that every connection
 * goes only to addresses the policy accepts.
 *
 * Three checks, so no packet leaves for a refused address and DNS cannot be
 * used to smuggle one in:
 * 1. an IP-literal host is judged before anything else (net.connect skips DNS
 *    for literals, so the lookup hook would never see it);
 * 2. a hostname is resolved by a lookup hook that judges every answer and
 *    refuses the whole name if any answer is not public; the address the
 *    socket then connects to is one of the answers it judged (no second,
 *    rebindable resolution);
 * 3. after the connection is up, the peer's actual `remoteAddress` is judged
 *    again (defence in depth, e.g. against a changed Node lookup path).
 *
 * TLS: no `ca` option is passed, so Node's default trust store is used; that
 * store is the bundled Mozilla roots plus NODE_EXTRA_CA_CERTS (read at process
 * start). `tls.rootCertificates` would NOT include the extra certificates.
 * `rejectUnauthorized: true` is explicit so NODE_TLS_REJECT_UNAUTHORIZED=0 in
 * the environment cannot switch verification off for federation traffic.
 */
export function createGuardedConnector(
  policy: AddressPolicy,
  options: { connectTimeoutMs: number },
): buildConnector.connector {
  const base = buildConnector({
    timeout: options.connectTimeoutMs,
    lookup: guardedLookup(policy),
    rejectUnauthorized: true,
  });
  return (connectOptions, callback) => {
    const host = stripBrackets(connectOptions.hostname);
    if (isIP(host) !== 0) {
      const verdict = policy.check(host);
      if (!verdict.allowed) {
        callback(new BlockedAddressError(host, verdict.reason, 'literal'), null);
        return;
      }
    }
    base(connectOptions, (...args) => {
      const [error, socket] = args;
      if (error !== null) {
        callback(error, null);
        return;
      }
      const remote = socket.remoteAddress;
      const verdict = remote === undefined ? { allowed: false as const, reason: 'unknown-peer' } : policy.check(remote);
      if (!verdict.allowed) {
        socket.destroy();
        callback(new BlockedAddressError(remote ?? '', verdict.reason, 'connected'), null);
        return;
      }
      callback(null, socket);
    });
  };
}

/**
 * A `lookup` for net.connect that resolves every address of the name and
 * refuses the name when any of them is not public. Answers in the shape the
 * caller asked for (`all: true` is what Node's happy-eyeballs connect uses).
 */
function guardedLookup(policy: AddressPolicy): LookupFunction {
  return (hostname: string, options: LookupOptions, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error !== null) {
        callback(error, '', 0);
        return;
      }
      for (const answer of addresses) {
        const verdict = policy.check(answer.address);
        if (!verdict.allowed) {
          callback(new BlockedAddressError(answer.address, verdict.reason, 'dns'), '', 0);
          return;
        }
      }
      const first = addresses[0];
      if (first === undefined) {
        callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), '', 0);
        return;
      }
      if (options.all === true) callback(null, addresses);
      else callback(null, first.address, first.family);
    });
  };
}

function stripBrackets(hostname: string): string {
  return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
}
