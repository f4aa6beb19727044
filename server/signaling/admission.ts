/**
 * Limits on what one client may hold open: signaling connections per client
 * address and per account, WebRTC transports per client address, and the
 * instance's transports overall, of which the last few are kept for
 * participants on stage (a crowd of anonymous listeners must not take the
 * host's microphone away). Counts are computed from the live connections on
 * each request, so nothing can drift or leak. Addresses stay in memory only.
 */
import type http from 'node:http';
import { isIPv6 } from 'node:net';
import { err, ok, type Result } from '../core/result.js';
import type { SignalError } from './protocol.js';

export interface AdmissionLimits {
  connectionsPerAddress: number;
  connectionsPerAccount: number;
  transportsPerAddress: number;
  maxTransports: number;
  stageReserve: number;
}

/** What admission needs to know of one open connection. */
export interface AdmittedPeer {
  readonly clientKey: string;
  readonly accountId: string | null;
  /** WebRTC transports this connection has open now. */
  transportCount(): number;
}

/** Why a connection was refused (a close code and reason). */
export interface ConnectionRefusal {
  reason: 'too many connections from your address' | 'too many connections for your account';
}

/**
 * The client's address as the last trusted proxy saw it (as express's
 * `trust proxy` with a hop count), reduced to a key: an IPv4 address, or the
 * /64 of an IPv6 address (one subscriber usually holds a whole /64).
 */
export function clientKeyOf(req: http.IncomingMessage, trustProxy: number): string {
  const forwarded = req.headers['x-forwarded-for'];
  const hops = (Array.isArray(forwarded) ? forwarded.join(',') : (forwarded ?? '')).split(',').map((s) => s.trim()).filter((s) => s !== '');
  const chain = [req.socket.remoteAddress ?? 'unknown', ...hops.reverse()];
  const address = chain[Math.min(trustProxy, chain.length - 1)] ?? 'unknown';
  const plain = address.toLowerCase().replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
  return isIPv6(plain) ? ipv6Prefix64(plain) : plain;
}

function ipv6Prefix64(address: string): string {
  const [head = '', tail] = address.split('%')[0]!.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? left : [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

export class Admission {
  constructor(
    private readonly limits: AdmissionLimits,
    private readonly peers: () => Iterable<AdmittedPeer>,
    /** Transports open on the whole instance now. */
    private readonly totalTransports: () => number,
  ) {}

  /** Whether one more connection from this address (and account) may open. */
  connect(clientKey: string, accountId: string | null): Result<null, ConnectionRefusal> {
    let fromAddress = 0;
    let ofAccount = 0;
    for (const peer of this.peers()) {
      if (peer.clientKey === clientKey) fromAddress++;
      if (accountId !== null && peer.accountId === accountId) ofAccount++;
    }
    if (fromAddress >= this.limits.connectionsPerAddress) return err({ reason: 'too many connections from your address' });
    if (ofAccount >= this.limits.connectionsPerAccount) return err({ reason: 'too many connections for your account' });
    return ok(null);
  }

  /**
   * Whether `peer` may open one more transport: its address is under its
   * share, and the instance has room (beyond the stage reserve unless the
   * peer is on stage).
   */
  transport(peer: AdmittedPeer, onStage: boolean): Result<null, SignalError> {
    let fromAddress = 0;
    for (const p of this.peers()) if (p.clientKey === peer.clientKey) fromAddress += p.transportCount();
    if (fromAddress >= this.limits.transportsPerAddress) {
      return err({ code: 'too_many_transports', message: 'too many media connections from your address; close some tabs' });
    }
    const ceiling = onStage ? this.limits.maxTransports : this.limits.maxTransports - this.limits.stageReserve;
    if (this.totalTransports() >= ceiling) {
      return err({ code: 'media_busy', message: 'the server is at its listener capacity; try again later' });
    }
    return ok(null);
  }
}
