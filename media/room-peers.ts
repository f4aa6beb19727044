/**
 * The peers of one room's media and what each has open (its router,
 * transports, producers and consumers), so a peer only ever touches its
 * own: a transport or consumer of another peer is `not_yours`.
 */
import type { types } from 'mediasoup';
import { err, ok, type Result } from '../server/core/result.js';
import type { MediaOpError } from './room-media-types.js';
import type { RouterSlot } from './room-routers.js';

/** A transport a peer may open: WebRTC for clients, plain RTP for load generators and tests. */
export type PeerTransport = types.WebRtcTransport | types.PlainTransport;

/** One peer's media in a room. */
export interface Peer {
  /** The router this peer's transports go on, once it opened one. */
  slot: RouterSlot | undefined;
  transports: Map<string, PeerTransport>;
  /** Transports being created now (counted against limits already). */
  pending: number;
  /** Open producers by id, at most `caps.producers`. */
  producers: Map<string, types.Producer>;
  consumers: Map<string, types.Consumer>;
  /** Consumers being made now (counted against the cap already). */
  pendingConsumers: number;
}

export class RoomPeers {
  readonly #peers = new Map<string, Peer>();

  /** The peer's record, if it has one. */
  get(peerId: string): Peer | undefined {
    return this.#peers.get(peerId);
  }

  /** The peer's record, made on its first use. */
  ensure(peerId: string): Peer {
    let peer = this.#peers.get(peerId);
    if (!peer) {
      peer = { slot: undefined, transports: new Map(), pending: 0, producers: new Map(), consumers: new Map(), pendingConsumers: 0 };
      this.#peers.set(peerId, peer);
    }
    return peer;
  }

  /** Whether `peer` is still the record of `peerId`: false once the peer left (or the room closed). */
  isCurrent(peerId: string, peer: Peer): boolean {
    return this.#peers.get(peerId) === peer;
  }

  /** Forgets a peer (it left, or its router closed) and hands back its record to close what it had. */
  remove(peerId: string): Peer | undefined {
    const peer = this.#peers.get(peerId);
    this.#peers.delete(peerId);
    return peer;
  }

  clear(): void {
    this.#peers.clear();
  }

  /** A transport of this peer, or why not. */
  transport(peerId: string, transportId: string): Result<PeerTransport, MediaOpError> {
    const own = this.#peers.get(peerId)?.transports.get(transportId);
    if (own) return ok(own);
    for (const peer of this.#peers.values()) if (peer.transports.has(transportId)) return err('not_yours');
    return err('no_such_transport');
  }

  /** A consumer of this peer, or why not. */
  consumer(peerId: string, consumerId: string): Result<types.Consumer, MediaOpError> {
    const own = this.#peers.get(peerId)?.consumers.get(consumerId);
    if (own) return ok(own);
    for (const peer of this.#peers.values()) if (peer.consumers.has(consumerId)) return err('not_yours');
    return err('no_such_consumer');
  }

  /** Transports open (or being opened) for one peer, or for the whole room. */
  transportCount(peerId?: string): number {
    const count = (p: Peer): number => p.transports.size + p.pending;
    if (peerId !== undefined) {
      const peer = this.#peers.get(peerId);
      return peer ? count(peer) : 0;
    }
    let total = 0;
    for (const peer of this.#peers.values()) total += count(peer);
    return total;
  }

  /** Every producer now, with its peer. */
  producers(): { peerId: string; producerId: string }[] {
    const out: { peerId: string; producerId: string }[] = [];
    for (const [peerId, peer] of this.#peers) for (const id of peer.producers.keys()) out.push({ peerId, producerId: id });
    return out;
  }

  /** A peer's open producers (a copy of the list: closing them changes it). */
  producersOf(peerId: string): types.Producer[] {
    return [...(this.#peers.get(peerId)?.producers.values() ?? [])];
  }
}
