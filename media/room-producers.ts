/**
 * The producers of one room: a local peer's (made on its transport, within
 * its cap) and those adopted from a cascade pipe. Each lives on one router
 * and is piped to every other router of the room before the others hear of
 * it, so their consume finds the copy; each is fed to the audio-level
 * observer on the origin router; who owns each is kept, so a consume finds
 * it without walking every peer.
 */
import type { types } from 'mediasoup';
import type { Logger } from 'pino';
import { err, ok, type Result } from '../server/core/result.js';
import type { ActiveSpeaker } from './active-speaker.js';
import type { MediaOpError, PeerCaps, RoomMediaEvents } from './room-media-types.js';
import type { Peer, PeerTransport, RoomPeers } from './room-peers.js';
import type { RoomRouterSet, RouterSlot } from './room-routers.js';

/** What the producers need of the room. */
export interface RoomProducersDeps {
  peers: RoomPeers;
  routers: RoomRouterSet;
  speaker: ActiveSpeaker;
  caps: PeerCaps;
  log: Logger;
  closed(): boolean;
  emit(event: 'producerAdded' | 'producerClosed', e: RoomMediaEvents['producerAdded'][0]): void;
}

export class RoomProducers {
  /** The peer each open producer belongs to. */
  readonly #owners = new Map<string, string>();

  constructor(private readonly room: RoomProducersDeps) {}

  /** A producer of the peer on its transport, within the peer's cap. */
  async produce(peerId: string, transport: PeerTransport, rtpParameters: types.RtpParameters, paused: boolean): Promise<Result<{ id: string }, MediaOpError>> {
    const peer = this.room.peers.ensure(peerId);
    if (peer.producers.size >= this.room.caps.producers) return err('cap_reached');
    let producer: types.Producer;
    try {
      producer = await transport.produce({ kind: 'audio', rtpParameters, paused, appData: { peerId } });
    } catch (e) {
      this.room.log.debug({ error: String(e) }, 'produce refused');
      return err('bad_parameters');
    }
    const slot = peer.slot;
    if (this.room.closed() || !slot) return err('media_closed');
    await this.#add(peerId, peer, producer, slot);
    return ok({ id: producer.id });
  }

  /** Takes a producer made on a cascade pipe (on the origin router) as `peerId`'s own, outside the peer caps. */
  async adopt(peerId: string, producer: types.Producer): Promise<void> {
    const origin = this.room.routers.origin;
    if (this.room.closed() || !origin) {
      producer.close();
      return;
    }
    await this.#add(peerId, this.room.peers.ensure(peerId), producer, origin);
  }

  /** The peer whose producer this is, if it is open in this room. */
  owner(producerId: string): string | undefined {
    const owner = this.#owners.get(producerId);
    return owner !== undefined && this.room.peers.get(owner)?.producers.has(producerId) ? owner : undefined;
  }

  /** Pauses or resumes a peer's producers (their copies follow). */
  async setPaused(peerId: string, paused: boolean): Promise<void> {
    const producers = this.room.peers.producersOf(peerId).filter((p) => !p.closed);
    await Promise.all(producers.map((p) => (paused ? p.pause() : p.resume())));
  }

  /** Closes a peer's producers (their copies close with them). */
  closeOf(peerId: string): void {
    for (const producer of this.room.peers.producersOf(peerId)) producer.close();
  }

  clear(): void {
    this.#owners.clear();
  }

  /**
   * Records a producer living on `slot`, pipes it to every other router of
   * the room (before others hear of it, so their consume finds the copy)
   * and adds it to the audio-level observer.
   */
  async #add(peerId: string, peer: Peer, producer: types.Producer, slot: RouterSlot): Promise<void> {
    const { routers, speaker } = this.room;
    const own = Promise.resolve(producer);
    peer.producers.set(producer.id, producer);
    slot.producers.set(producer.id, own);
    this.#owners.set(producer.id, peerId);
    producer.observer.once('close', () => {
      peer.producers.delete(producer.id);
      if (this.#owners.get(producer.id) === peerId) this.#owners.delete(producer.id);
      if (slot.producers.get(producer.id) === own) slot.producers.delete(producer.id);
      routers.removeSource(producer.id, slot);
      this.room.emit('producerClosed', { peerId, producerId: producer.id });
    });
    await routers.addSource(producer.id, slot);
    const origin = routers.origin;
    if (origin) await speaker.add(producer.id, origin.producers.get(producer.id));
    if (!producer.closed) this.room.emit('producerAdded', { peerId, producerId: producer.id });
  }
}
