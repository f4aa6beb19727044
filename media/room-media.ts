/**
 * One room's media: its routers (one, or one per worker once the room is
 * large: ADR 0040, media/room-routers.ts), an audio-level observer on the
 * first ("origin") router for active-speaker events, and every peer's
 * transports, producers and consumers. Each peer is placed on one router of
 * the room; every producer is piped once to every other router, so a
 * listener consumes it wherever it is. Peers are ids the rooms layer
 * chooses; this class checks that a peer only touches its own transports
 * and consumers, and enforces per-peer caps. Closing it closes the routers,
 * which close everything below (the close cascade). A worker's death closes
 * only its router: the peers placed there are reported (`routerLost`) and
 * must reconnect; when the last router goes, the room's media closes with
 * reason `worker_died`.
 *
 * This class is the room's face; the work is done by its parts, each in its
 * own file: the peers' records (room-peers.ts), their transports
 * (room-transports.ts), producing (room-producers.ts), consuming
 * (room-consumers.ts), and the routers with placement and spreading
 * (room-routers.ts). The public types are in room-media-types.ts.
 */
import type { types } from 'mediasoup';
import type { Logger } from 'pino';
import { err, ok, type Result } from '../server/core/result.js';
import { ActiveSpeaker } from './active-speaker.js';
import { RoomConsumers } from './room-consumers.js';
import { DEFAULT_PEER_CAPS, type ConsumerInfo, type MediaOpError, type RoomMediaCloseReason, type RoomMediaEvents, type RoomMediaOptions, type TransportInfo } from './room-media-types.js';
import { RoomPeers } from './room-peers.js';
import { RoomProducers } from './room-producers.js';
import { openRouter, RoomRouterSet, workerPidOf, type RouterSlot } from './room-routers.js';
import { RoomTransports } from './room-transports.js';
import { TypedEventEmitter } from './typed-event-emitter.js';

export {
  DEFAULT_PEER_CAPS, type ConsumerInfo, type MediaOpError, type PeerCaps, type RoomMediaCloseReason, type RoomMediaEvents, type RoomMediaOptions, type TransportInfo,
} from './room-media-types.js';

export class RoomMedia extends TypedEventEmitter<RoomMediaEvents> {
  readonly #routers: RoomRouterSet;
  readonly #peers = new RoomPeers();
  readonly #transports: RoomTransports;
  readonly #producers: RoomProducers;
  readonly #consumers: RoomConsumers;
  readonly #rtpCapabilities: types.RtpCapabilities;
  readonly #log: Logger;
  readonly #speaker: ActiveSpeaker;
  #closed = false;

  private constructor(origin: RouterSlot, options: RoomMediaOptions) {
    const log = options.log.child({ module: 'media.room' });
    super((error, event) => log.error({ event, error: String(error) }, 'room media listener threw'));
    this.#log = log;
    const caps = options.caps ?? DEFAULT_PEER_CAPS;
    const closed = (): boolean => this.#closed;
    const peers = this.#peers;
    this.#rtpCapabilities = origin.router.rtpCapabilities;
    this.#speaker = new ActiveSpeaker((peerId) => this.emit('activeSpeaker', { peerId }), log);
    this.#routers = new RoomRouterSet(options.spread, log, (slot, index, died) => this.#onRouterClosed(slot, index, died));
    this.#transports = new RoomTransports({ peers, routers: this.#routers, caps, options, log, closed });
    this.#producers = new RoomProducers({ peers, routers: this.#routers, speaker: this.#speaker, caps, log, closed, emit: (event, e) => this.emit(event, e) });
    this.#consumers = new RoomConsumers({ peers, caps, log, ownerOf: (producerId) => this.#producers.owner(producerId) });
    this.#routers.adopt(origin);
  }

  /** Creates the room's first router (Opus only) and its audio-level observer on `worker`. */
  static async create(worker: types.Worker, options: RoomMediaOptions): Promise<RoomMedia> {
    const origin = await openRouter(worker, options.webRtcServer);
    try {
      const media = new RoomMedia(origin, options);
      await media.#speaker.observeOn(origin.router, origin.producers);
      return media;
    } catch (e) {
      origin.router.close();
      throw e;
    }
  }

  get closed(): boolean {
    return this.#closed;
  }

  get rtpCapabilities(): types.RtpCapabilities {
    return this.#rtpCapabilities;
  }

  /** The pid of the worker the room's origin router runs on (tests, metrics). */
  get workerPid(): number | undefined {
    const origin = this.#routers.origin;
    return origin ? workerPidOf(origin) : undefined;
  }

  /** The pids of the workers of every router of the room, origin first (tests, metrics). */
  workerPids(): number[] {
    return this.#routers.workerPids();
  }

  /** The pid of the worker a peer's transports are on (tests, metrics). */
  peerWorkerPid(peerId: string): number | undefined {
    const slot = this.#peers.get(peerId)?.slot;
    return slot ? workerPidOf(slot) : undefined;
  }

  /** WebRTC transports open (or being opened) for one peer, or for the whole room. */
  transportCount(peerId?: string): number {
    return this.#peers.transportCount(peerId);
  }

  /** Every producer now, for a newcomer to consume. */
  producers(): { peerId: string; producerId: string }[] {
    return this.#peers.producers();
  }

  createTransport(peerId: string): Promise<Result<TransportInfo, MediaOpError>> {
    return this.#transports.createWebRtc(peerId);
  }

  /**
   * A plain RTP transport for a peer, on the router the spread policy puts
   * the peer on, counted like its other transports: for load generators and
   * tests, which cannot speak ICE and DTLS. The caller connects it.
   */
  createPlainTransport(peerId: string, options: Omit<types.PlainTransportOptions, 'appData'>): Promise<Result<types.PlainTransport, MediaOpError>> {
    return this.#transports.createPlain(peerId, options);
  }

  connectTransport(peerId: string, transportId: string, dtlsParameters: types.DtlsParameters): Promise<Result<null, MediaOpError>> {
    return this.#transports.connect(peerId, transportId, dtlsParameters);
  }

  /** Opens ICE anew on a transport (after a network change). */
  restartIce(peerId: string, transportId: string): Promise<Result<types.IceParameters, MediaOpError>> {
    return this.#transports.restartIce(peerId, transportId);
  }

  async produce(peerId: string, transportId: string, rtpParameters: types.RtpParameters, paused: boolean): Promise<Result<{ id: string }, MediaOpError>> {
    const t = this.#transports.lookup(peerId, transportId);
    if (!t.ok) return t;
    return this.#producers.produce(peerId, t.value, rtpParameters, paused);
  }

  /**
   * Cascade links (media/cascade.ts): a PipeTransport on this room's origin
   * router, closed with it. SRTP protects the path between instances, RTX
   * repairs its losses.
   */
  async createPipeTransport(listenIp: string, announcedIp?: string): Promise<types.PipeTransport> {
    const origin = this.#routers.origin;
    if (this.#closed || !origin) throw new Error('room media closed');
    return origin.router.createPipeTransport({
      listenIp: { ip: listenIp, ...(announcedIp ? { announcedIp } : {}) },
      enableSrtp: true,
      enableRtx: true,
    });
  }

  /**
   * Takes a producer made on a cascade pipe (on the origin router) as
   * `peerId`'s own: local peers consume it (on every router), mute pauses
   * it and leaving the stage closes it, as for a producer of a local peer.
   * Not counted against the peer caps (the other instance checked its own
   * peer's).
   */
  adoptProducer(peerId: string, producer: types.Producer): Promise<void> {
    return this.#producers.adopt(peerId, producer);
  }

  /** The peer whose producer this is, if it is open in this room. */
  producerOwner(producerId: string): string | undefined {
    return this.#producers.owner(producerId);
  }

  /** Pauses or resumes a peer's producers server-side (mute); their copies follow. No producer: nothing to do. */
  setPaused(peerId: string, paused: boolean): Promise<void> {
    return this.#producers.setPaused(peerId, paused);
  }

  /** Closes a peer's producers (it left the stage); their copies close with them. */
  closeProducer(peerId: string): void {
    this.#producers.closeOf(peerId);
  }

  /**
   * A consumer of `producerId` on the peer's transport, from the copy on its
   * router: paused until the client resumes it (what a browser asks for: it
   * resumes once its own side is ready), or running at once with `paused:
   * false` (one worker request instead of two: ADR 0051).
   */
  async consume(peerId: string, transportId: string, producerId: string, rtpCapabilities: types.RtpCapabilities, options: { paused?: boolean } = {}): Promise<Result<ConsumerInfo, MediaOpError>> {
    const t = this.#transports.lookup(peerId, transportId);
    if (!t.ok) return t;
    return this.#consumers.consume(peerId, t.value, producerId, rtpCapabilities, options.paused ?? true);
  }

  async resumeConsumer(peerId: string, consumerId: string): Promise<Result<null, MediaOpError>> {
    if (this.#closed) return err('media_closed');
    const consumer = this.#peers.consumer(peerId, consumerId);
    if (!consumer.ok) return consumer;
    await consumer.value.resume();
    return ok(null);
  }

  /** Closes everything of one peer (it left). */
  closePeer(peerId: string): void {
    const peer = this.#peers.remove(peerId);
    if (!peer) return;
    if (peer.slot?.peers.delete(peerId) && peer.consumers.size === 0) peer.slot.waiting--;
    for (const t of peer.transports.values()) t.close();
    // Producers adopted from a cascade pipe live on the pipe, not on the peer's transports.
    for (const p of [...peer.producers.values()]) p.close();
  }

  /** Closes every router and with them every transport, producer and consumer. */
  close(): void {
    if (this.#closed) return;
    this.#closeWith('closed');
  }

  /** A router closed: the last one closes the room's media, another one costs only its own peers. */
  #onRouterClosed(slot: RouterSlot, index: number, died: boolean): void {
    if (this.#routers.size === 0) {
      this.#closeWith(died ? 'worker_died' : 'closed');
      return;
    }
    const lost: string[] = [];
    for (const peerId of slot.peers) {
      if (this.#peers.get(peerId)?.slot !== slot) continue;
      const peer = this.#peers.remove(peerId);
      lost.push(peerId);
      for (const p of [...(peer?.producers.values() ?? [])]) p.close();
    }
    this.#routers.removeSourcesOn(slot);
    const origin = index === 0;
    this.#log.warn({ peers: lost.length, origin, routers: this.#routers.size }, 'a router of the room closed with its worker; the room lives on');
    if (origin) {
      const next = this.#routers.origin;
      if (next) this.#speaker.observeOn(next.router, next.producers).catch((e: unknown) => this.#log.warn({ error: String(e) }, 'no audio level observer on the new origin router'));
    }
    this.emit('routerLost', { peerIds: lost, origin });
  }

  #closeWith(reason: RoomMediaCloseReason): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#routers.close();
    this.#peers.clear();
    this.#producers.clear();
    this.emit('close', reason);
  }
}
