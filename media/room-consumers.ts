/**
 * The consumers of one room: a peer consumes a producer from the copy on
 * its own router, within its cap (consumers still being made count too, so
 * concurrent consumes cannot pass it), and each consumer is counted on its
 * router for placement (media/room-routers.ts).
 */
import type { types } from 'mediasoup';
import type { Logger } from 'pino';
import { err, ok, type Result } from '../server/core/result.js';
import type { ConsumerInfo, MediaOpError, PeerCaps } from './room-media-types.js';
import type { PeerTransport, RoomPeers } from './room-peers.js';

/** What the consumers need of the room. */
export interface RoomConsumersDeps {
  peers: RoomPeers;
  caps: PeerCaps;
  log: Logger;
  /** The peer whose producer this is, if it is open in the room. */
  ownerOf(producerId: string): string | undefined;
}

export class RoomConsumers {
  constructor(private readonly room: RoomConsumersDeps) {}

  /** A consumer of `producerId` on the peer's transport, paused or not. */
  async consume(peerId: string, transport: PeerTransport, producerId: string, rtpCapabilities: types.RtpCapabilities, paused: boolean): Promise<Result<ConsumerInfo, MediaOpError>> {
    const { peers } = this.room;
    const peer = peers.ensure(peerId);
    const slot = peer.slot;
    if (!slot) return err('media_closed');
    if (peer.consumers.size + peer.pendingConsumers >= this.room.caps.consumers) return err('cap_reached');
    const owner = this.room.ownerOf(producerId);
    if (owner === undefined) return err('no_such_producer');
    peer.pendingConsumers++;
    let consumer: types.Consumer;
    try {
      const here = await slot.producers.get(producerId);
      if (!here || here.closed) return err('no_such_producer');
      if (!slot.router.canConsume({ producerId, rtpCapabilities })) return err('cannot_consume');
      consumer = await transport.consume({ producerId, rtpCapabilities, paused, appData: { peerId } });
    } catch (e) {
      // The producer or the transport closed meanwhile.
      this.room.log.debug({ error: String(e) }, 'consume refused');
      return err('no_such_producer');
    } finally {
      peer.pendingConsumers--;
    }
    peer.consumers.set(consumer.id, consumer);
    slot.consumers++;
    if (peer.consumers.size === 1 && slot.peers.has(peerId)) slot.waiting--;
    consumer.observer.once('close', () => {
      peer.consumers.delete(consumer.id);
      slot.consumers--;
      // Still placed here and consuming nothing again: it counts as about to consume, as a new peer does.
      if (peer.consumers.size === 0 && slot.peers.has(peerId) && peers.isCurrent(peerId, peer)) slot.waiting++;
    });
    return ok({ id: consumer.id, producerId, peerId: owner, kind: consumer.kind, rtpParameters: consumer.rtpParameters, producerPaused: consumer.producerPaused });
  }
}
