/**
 * The transports of one room's peers: each opened on the router the peer is
 * placed on (media/room-routers.ts), counted against the peer's cap while
 * it is being made, and closed at once if the peer or the room is gone by
 * the time it exists.
 */
import type { types } from 'mediasoup';
import type { Logger } from 'pino';
import { err, ok, type Result } from '../server/core/result.js';
import type { MediaOpError, PeerCaps, RoomMediaOptions, TransportInfo } from './room-media-types.js';
import type { PeerTransport, RoomPeers } from './room-peers.js';
import type { RoomRouterSet, RouterSlot } from './room-routers.js';

/** What the transports need of the room. */
export interface RoomTransportsDeps {
  peers: RoomPeers;
  routers: RoomRouterSet;
  caps: PeerCaps;
  options: Pick<RoomMediaOptions, 'listenIp' | 'announcedIp' | 'maxIncomingBitrate'>;
  log: Logger;
  closed(): boolean;
}

export class RoomTransports {
  constructor(private readonly room: RoomTransportsDeps) {}

  /** A transport of this peer, or why not. */
  lookup(peerId: string, transportId: string): Result<PeerTransport, MediaOpError> {
    if (this.room.closed()) return err('media_closed');
    return this.room.peers.transport(peerId, transportId);
  }

  async createWebRtc(peerId: string): Promise<Result<TransportInfo, MediaOpError>> {
    const { listenIp, announcedIp, maxIncomingBitrate } = this.room.options;
    const made = await this.#open(peerId, (slot) => {
      const common = { enableUdp: true, enableTcp: true, preferUdp: true, initialAvailableOutgoingBitrate: 600_000, appData: { peerId } };
      return slot.router.createWebRtcTransport(slot.webRtcServer
        ? { ...common, webRtcServer: slot.webRtcServer }
        : { ...common, listenIps: [{ ip: listenIp, ...(announcedIp ? { announcedIp } : {}) }] });
    });
    if (!made.ok) return made;
    const transport = made.value;
    // Not awaited: the worker takes a transport's requests in order, so the cap is set before the client's
    // connect (and so before any media) reaches it; awaiting it cost every join one more round trip (ADR 0051).
    if (maxIncomingBitrate) {
      transport.setMaxIncomingBitrate(maxIncomingBitrate).catch((e: unknown) => {
        if (!transport.closed) this.room.log.warn({ error: String(e) }, 'could not cap the incoming bitrate of a transport');
      });
    }
    return ok({ id: transport.id, iceParameters: transport.iceParameters, iceCandidates: transport.iceCandidates, dtlsParameters: transport.dtlsParameters });
  }

  createPlain(peerId: string, options: Omit<types.PlainTransportOptions, 'appData'>): Promise<Result<types.PlainTransport, MediaOpError>> {
    return this.#open(peerId, (slot) => slot.router.createPlainTransport({ ...options, appData: { peerId } }));
  }

  async connect(peerId: string, transportId: string, dtlsParameters: types.DtlsParameters): Promise<Result<null, MediaOpError>> {
    const t = this.lookup(peerId, transportId);
    if (!t.ok) return t;
    if (!('iceParameters' in t.value)) return err('bad_parameters');
    try {
      await t.value.connect({ dtlsParameters });
    } catch (e) {
      this.room.log.debug({ error: String(e) }, 'transport connect refused');
      return err('bad_parameters');
    }
    return ok(null);
  }

  async restartIce(peerId: string, transportId: string): Promise<Result<types.IceParameters, MediaOpError>> {
    const t = this.lookup(peerId, transportId);
    if (!t.ok) return t;
    if (!('iceParameters' in t.value)) return err('bad_parameters');
    return ok(await t.value.restartIce());
  }

  /** Places the peer (on its first transport), opens a transport on its router and records it. */
  async #open<T extends PeerTransport>(peerId: string, make: (slot: RouterSlot) => Promise<T>): Promise<Result<T, MediaOpError>> {
    const { peers, routers, caps } = this.room;
    if (this.room.closed()) return err('media_closed');
    const peer = peers.ensure(peerId);
    if (peer.transports.size + peer.pending >= caps.transports) return err('cap_reached');
    const gone = (): boolean => this.room.closed() || !peers.isCurrent(peerId, peer);
    peer.pending++;
    let transport: T;
    try {
      const slot = peer.slot ?? (await routers.place(peerId, peer, () => peers.isCurrent(peerId, peer)));
      if (!slot) return err('media_closed');
      transport = await make(slot);
    } catch (e) {
      // The router closed (its worker died) while the transport was being made.
      if (gone()) return err('media_closed');
      throw e;
    } finally {
      peer.pending--;
    }
    // The peer left (or the room or its router closed) while the transport was being made: it must not outlive them.
    if (gone()) {
      transport.close();
      return err('media_closed');
    }
    peer.transports.set(transport.id, transport);
    (transport as types.Transport).observer.once('close', () => peer.transports.delete(transport.id));
    return ok(transport);
  }
}
