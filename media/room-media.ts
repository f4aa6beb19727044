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
 */
import type { types } from 'mediasoup';
import type { Logger } from 'pino';
import { err, ok, type Result } from '../server/core/result.js';
import { ActiveSpeaker } from './active-speaker.js';
import { loadOf, openRouter, pipeInto, workerPidOf, type RouterSlot, type SpreadPolicy } from './room-routers.js';
import { TypedEventEmitter } from './typed-event-emitter.js';

/** Limits per peer; a client that asks for more is refused with `cap_reached`. */
export interface PeerCaps {
  transports: number;
  producers: number;
  consumers: number;
}

export const DEFAULT_PEER_CAPS: PeerCaps = { transports: 2, producers: 1, consumers: 100 };

/** How transports are opened. */
export interface RoomMediaOptions {
  listenIp: string;
  announcedIp?: string | undefined;
  caps?: PeerCaps;
  /**
   * The worker's WebRtcServer: every transport shares its one UDP and one
   * TCP port (ADR 0012). Without it each transport binds its own ports.
   */
  webRtcServer?: types.WebRtcServer | undefined;
  /** Bits per second a peer may send us (one Opus stream needs ~64 kbit/s). */
  maxIncomingBitrate?: number;
  /** When and where the room grows routers on other workers; without it the room stays on one router. */
  spread?: SpreadPolicy | undefined;
  log: Logger;
}

/** Why a media operation was refused. */
export type MediaOpError =
  | 'media_closed'
  | 'no_such_transport'
  | 'no_such_producer'
  | 'no_such_consumer'
  | 'not_yours'
  | 'cap_reached'
  | 'cannot_consume'
  | 'bad_parameters';

/** Why a room's media closed. */
export type RoomMediaCloseReason = 'closed' | 'worker_died';

export type RoomMediaEvents = {
  /** A peer started producing: others should consume it. */
  producerAdded: [{ peerId: string; producerId: string }];
  producerClosed: [{ peerId: string; producerId: string }];
  /** The loudest peer (on change, repeated each second; at most five a second); null on silence. */
  activeSpeaker: [{ peerId: string | null }];
  /**
   * One router of the room closed with its worker while others live on: the
   * peers whose transports were there lost them (and their producers and
   * consumers) and must open new ones; everyone else keeps flowing.
   * `origin`: it was the first router (cascade pipes were there).
   */
  routerLost: [{ peerIds: string[]; origin: boolean }];
  close: [RoomMediaCloseReason];
};

/** What a client needs to open its side of a transport. */
export interface TransportInfo {
  id: string;
  iceParameters: types.IceParameters;
  iceCandidates: types.IceCandidate[];
  dtlsParameters: types.DtlsParameters;
}

/** What a client needs to receive a producer. */
export interface ConsumerInfo {
  id: string;
  producerId: string;
  peerId: string;
  kind: types.MediaKind;
  rtpParameters: types.RtpParameters;
  /** The producer is paused server-side (its speaker is muted): nothing flows until it resumes. */
  producerPaused: boolean;
}

type PeerTransport = types.WebRtcTransport | types.PlainTransport;

interface Peer {
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

export class RoomMedia extends TypedEventEmitter<RoomMediaEvents> {
  /** Live routers; the first is the origin (audio-level observer, cascade pipes). */
  readonly #slots: RouterSlot[] = [];
  readonly #options: RoomMediaOptions;
  readonly #caps: PeerCaps;
  readonly #peers = new Map<string, Peer>();
  /** The router each producer of the room really lives on (its copies are elsewhere). */
  readonly #sources = new Map<string, RouterSlot>();
  /** The peer each open producer belongs to, so a consume finds it without walking every peer. */
  readonly #owners = new Map<string, string>();
  readonly #rtpCapabilities: types.RtpCapabilities;
  readonly #log: Logger;
  readonly #speaker: ActiveSpeaker;
  #growing: Promise<boolean> | undefined;
  #closed = false;

  private constructor(origin: RouterSlot, options: RoomMediaOptions) {
    const log = options.log.child({ module: 'media.room' });
    super((error, event) => log.error({ event, error: String(error) }, 'room media listener threw'));
    this.#log = log;
    this.#options = options;
    this.#caps = options.caps ?? DEFAULT_PEER_CAPS;
    this.#rtpCapabilities = origin.router.rtpCapabilities;
    this.#speaker = new ActiveSpeaker((peerId) => this.emit('activeSpeaker', { peerId }), log);
    this.#adoptSlot(origin);
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
    const origin = this.#slots[0];
    return origin ? workerPidOf(origin) : undefined;
  }

  /** The pids of the workers of every router of the room, origin first (tests, metrics). */
  workerPids(): number[] {
    return this.#slots.map(workerPidOf).filter((pid): pid is number => pid !== undefined);
  }

  /** The pid of the worker a peer's transports are on (tests, metrics). */
  peerWorkerPid(peerId: string): number | undefined {
    const slot = this.#peers.get(peerId)?.slot;
    return slot ? workerPidOf(slot) : undefined;
  }

  /** WebRTC transports open (or being opened) for one peer, or for the whole room. */
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

  /** Every producer now, for a newcomer to consume. */
  producers(): { peerId: string; producerId: string }[] {
    const out: { peerId: string; producerId: string }[] = [];
    for (const [peerId, peer] of this.#peers) for (const id of peer.producers.keys()) out.push({ peerId, producerId: id });
    return out;
  }

  #peer(peerId: string): Peer {
    let peer = this.#peers.get(peerId);
    if (!peer) {
      peer = { slot: undefined, transports: new Map(), pending: 0, producers: new Map(), consumers: new Map(), pendingConsumers: 0 };
      this.#peers.set(peerId, peer);
    }
    return peer;
  }

  /** A transport of this peer, or why not. */
  #transport(peerId: string, transportId: string): Result<PeerTransport, MediaOpError> {
    if (this.#closed) return err('media_closed');
    const own = this.#peers.get(peerId)?.transports.get(transportId);
    if (own) return ok(own);
    for (const peer of this.#peers.values()) if (peer.transports.has(transportId)) return err('not_yours');
    return err('no_such_transport');
  }

  async createTransport(peerId: string): Promise<Result<TransportInfo, MediaOpError>> {
    const made = await this.#open(peerId, (slot) => {
      const common = { enableUdp: true, enableTcp: true, preferUdp: true, initialAvailableOutgoingBitrate: 600_000, appData: { peerId } };
      return slot.router.createWebRtcTransport(slot.webRtcServer
        ? { ...common, webRtcServer: slot.webRtcServer }
        : { ...common, listenIps: [{ ip: this.#options.listenIp, ...(this.#options.announcedIp ? { announcedIp: this.#options.announcedIp } : {}) }] });
    });
    if (!made.ok) return made;
    const transport = made.value;
    // Not awaited: the worker takes a transport's requests in order, so the cap is set before the client's
    // connect (and so before any media) reaches it; awaiting it cost every join one more round trip (ADR 0051).
    if (this.#options.maxIncomingBitrate) {
      transport.setMaxIncomingBitrate(this.#options.maxIncomingBitrate).catch((e: unknown) => {
        if (!transport.closed) this.#log.warn({ error: String(e) }, 'could not cap the incoming bitrate of a transport');
      });
    }
    return ok({ id: transport.id, iceParameters: transport.iceParameters, iceCandidates: transport.iceCandidates, dtlsParameters: transport.dtlsParameters });
  }

  /**
   * A plain RTP transport for a peer, on the router the spread policy puts
   * the peer on, counted like its other transports: for load generators and
   * tests, which cannot speak ICE and DTLS. The caller connects it.
   */
  createPlainTransport(peerId: string, options: Omit<types.PlainTransportOptions, 'appData'>): Promise<Result<types.PlainTransport, MediaOpError>> {
    return this.#open(peerId, (slot) => slot.router.createPlainTransport({ ...options, appData: { peerId } }));
  }

  /** Places the peer (on its first transport), opens a transport on its router and records it. */
  async #open<T extends PeerTransport>(peerId: string, make: (slot: RouterSlot) => Promise<T>): Promise<Result<T, MediaOpError>> {
    if (this.#closed) return err('media_closed');
    const peer = this.#peer(peerId);
    if (peer.transports.size + peer.pending >= this.#caps.transports) return err('cap_reached');
    peer.pending++;
    let transport: T;
    try {
      const slot = peer.slot ?? (await this.#place(peerId, peer));
      if (!slot) return err('media_closed');
      transport = await make(slot);
    } catch (e) {
      // The router closed (its worker died) while the transport was being made.
      if (this.#closed || this.#peers.get(peerId) !== peer) return err('media_closed');
      throw e;
    } finally {
      peer.pending--;
    }
    // The peer left (or the room or its router closed) while the transport was being made: it must not outlive them.
    if (this.#closed || this.#peers.get(peerId) !== peer) {
      transport.close();
      return err('media_closed');
    }
    peer.transports.set(transport.id, transport);
    (transport as types.Transport).observer.once('close', () => peer.transports.delete(transport.id));
    return ok(transport);
  }

  /**
   * The router for a new peer: the least-loaded of the room's, or a new one
   * on another worker when every router is past the spread threshold.
   */
  async #place(peerId: string, peer: Peer): Promise<RouterSlot | undefined> {
    let best = this.#leastLoaded();
    const spread = this.#options.spread;
    if (best && spread && spread.consumersPerRouter > 0 && this.#load(best) >= spread.consumersPerRouter) {
      this.#growing ??= this.#grow(spread).finally(() => {
        this.#growing = undefined;
      });
      if (await this.#growing) best = this.#leastLoaded();
    }
    if (!best || this.#closed || this.#peers.get(peerId) !== peer) return undefined;
    // Placed at once, so the next placement counts this peer.
    peer.slot ??= best;
    if (!peer.slot.peers.has(peerId)) {
      peer.slot.peers.add(peerId);
      if (peer.consumers.size === 0) peer.slot.waiting++;
    }
    return peer.slot;
  }

  #leastLoaded(): RouterSlot | undefined {
    let best: RouterSlot | undefined;
    let bestLoad = Infinity;
    for (const slot of this.#slots) {
      const load = this.#load(slot);
      if (load < bestLoad) [best, bestLoad] = [slot, load];
    }
    return best;
  }

  #load(slot: RouterSlot): number {
    return loadOf(slot, this.#sources.size);
  }

  /** A new router on a worker the room does not use yet; false when there is none. */
  async #grow(spread: SpreadPolicy): Promise<boolean> {
    const used = new Set<types.Worker>();
    for (const slot of this.#slots) if (slot.worker) used.add(slot.worker);
    const worker = spread.workers.pickWorker(used);
    if (!worker) return false;
    let slot: RouterSlot;
    try {
      slot = await openRouter(worker, spread.workers.webRtcServerOf(worker));
    } catch (e) {
      this.#log.warn({ error: String(e) }, 'could not open another router for the room');
      return false;
    }
    if (this.#closed) {
      slot.router.close();
      return false;
    }
    this.#adoptSlot(slot);
    for (const [producerId, from] of this.#sources) void pipeInto(from, slot, producerId);
    this.#log.info({ routers: this.#slots.length, workerPid: worker.pid }, 'room spread to another worker');
    return true;
  }

  /** Takes a router into the room and follows its end. */
  #adoptSlot(slot: RouterSlot): void {
    this.#slots.push(slot);
    let died = false;
    slot.router.on('workerclose', () => {
      died = true;
    });
    slot.router.observer.once('close', () => this.#onRouterClosed(slot, died));
  }

  /** A router closed: the last one closes the room's media, another one costs only its own peers. */
  #onRouterClosed(slot: RouterSlot, died: boolean): void {
    const index = this.#slots.indexOf(slot);
    if (index < 0 || this.#closed) return;
    this.#slots.splice(index, 1);
    if (this.#slots.length === 0) {
      this.#closeWith(died ? 'worker_died' : 'closed');
      return;
    }
    const lost: string[] = [];
    for (const peerId of slot.peers) {
      const peer = this.#peers.get(peerId);
      if (peer?.slot !== slot) continue;
      lost.push(peerId);
      this.#peers.delete(peerId);
      for (const p of [...peer.producers.values()]) p.close();
    }
    for (const [producerId, from] of [...this.#sources]) if (from === slot) this.#sources.delete(producerId);
    const origin = index === 0;
    this.#log.warn({ peers: lost.length, origin, routers: this.#slots.length }, 'a router of the room closed with its worker; the room lives on');
    if (origin) {
      const next = this.#slots[0];
      if (next) this.#speaker.observeOn(next.router, next.producers).catch((e: unknown) => this.#log.warn({ error: String(e) }, 'no audio level observer on the new origin router'));
    }
    this.emit('routerLost', { peerIds: lost, origin });
  }

  async connectTransport(peerId: string, transportId: string, dtlsParameters: types.DtlsParameters): Promise<Result<null, MediaOpError>> {
    const t = this.#transport(peerId, transportId);
    if (!t.ok) return t;
    if (!('iceParameters' in t.value)) return err('bad_parameters');
    try {
      await t.value.connect({ dtlsParameters });
    } catch (e) {
      this.#log.debug({ error: String(e) }, 'transport connect refused');
      return err('bad_parameters');
    }
    return ok(null);
  }

  /** Opens ICE anew on a transport (after a network change). */
  async restartIce(peerId: string, transportId: string): Promise<Result<types.IceParameters, MediaOpError>> {
    const t = this.#transport(peerId, transportId);
    if (!t.ok) return t;
    if (!('iceParameters' in t.value)) return err('bad_parameters');
    return ok(await t.value.restartIce());
  }

  async produce(peerId: string, transportId: string, rtpParameters: types.RtpParameters, paused: boolean): Promise<Result<{ id: string }, MediaOpError>> {
    const t = this.#transport(peerId, transportId);
    if (!t.ok) return t;
    const peer = this.#peer(peerId);
    if (peer.producers.size >= this.#caps.producers) return err('cap_reached');
    let producer: types.Producer;
    try {
      producer = await t.value.produce({ kind: 'audio', rtpParameters, paused, appData: { peerId } });
    } catch (e) {
      this.#log.debug({ error: String(e) }, 'produce refused');
      return err('bad_parameters');
    }
    const slot = peer.slot;
    if (this.#closed || !slot) return err('media_closed');
    await this.#addProducer(peerId, peer, producer, slot);
    return ok({ id: producer.id });
  }

  /**
   * Records a producer living on `slot`, pipes it to every other router of
   * the room (before others hear of it, so their consume finds the copy)
   * and adds it to the audio-level observer.
   */
  async #addProducer(peerId: string, peer: Peer, producer: types.Producer, slot: RouterSlot): Promise<void> {
    const own = Promise.resolve(producer);
    peer.producers.set(producer.id, producer);
    slot.producers.set(producer.id, own);
    this.#sources.set(producer.id, slot);
    this.#owners.set(producer.id, peerId);
    producer.observer.once('close', () => {
      peer.producers.delete(producer.id);
      if (this.#owners.get(producer.id) === peerId) this.#owners.delete(producer.id);
      if (slot.producers.get(producer.id) === own) slot.producers.delete(producer.id);
      if (this.#sources.get(producer.id) === slot) this.#sources.delete(producer.id);
      this.emit('producerClosed', { peerId, producerId: producer.id });
    });
    const copies = this.#slots.filter((s) => s !== slot).map((to) => pipeInto(slot, to, producer.id));
    await Promise.all(copies);
    const origin = this.#slots[0];
    if (origin) await this.#speaker.add(producer.id, origin.producers.get(producer.id));
    if (!producer.closed) this.emit('producerAdded', { peerId, producerId: producer.id });
  }

  /**
   * Cascade links (media/cascade.ts): a PipeTransport on this room's origin
   * router, closed with it. SRTP protects the path between instances, RTX
   * repairs its losses.
   */
  async createPipeTransport(listenIp: string, announcedIp?: string): Promise<types.PipeTransport> {
    const origin = this.#slots[0];
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
  async adoptProducer(peerId: string, producer: types.Producer): Promise<void> {
    const origin = this.#slots[0];
    if (this.#closed || !origin) {
      producer.close();
      return;
    }
    await this.#addProducer(peerId, this.#peer(peerId), producer, origin);
  }

  /** The peer whose producer this is, if it is open in this room. */
  producerOwner(producerId: string): string | undefined {
    const owner = this.#owners.get(producerId);
    return owner !== undefined && this.#peers.get(owner)?.producers.has(producerId) ? owner : undefined;
  }

  /** Pauses or resumes a peer's producers server-side (mute); their copies follow. No producer: nothing to do. */
  async setPaused(peerId: string, paused: boolean): Promise<void> {
    const producers = [...(this.#peers.get(peerId)?.producers.values() ?? [])].filter((p) => !p.closed);
    await Promise.all(producers.map((p) => (paused ? p.pause() : p.resume())));
  }

  /** Closes a peer's producers (it left the stage); their copies close with them. */
  closeProducer(peerId: string): void {
    for (const producer of [...(this.#peers.get(peerId)?.producers.values() ?? [])]) producer.close();
  }

  /**
   * A consumer of `producerId` on the peer's transport, from the copy on its
   * router: paused until the client resumes it (what a browser asks for: it
   * resumes once its own side is ready), or running at once with `paused:
   * false` (one worker request instead of two: ADR 0051).
   */
  async consume(peerId: string, transportId: string, producerId: string, rtpCapabilities: types.RtpCapabilities, options: { paused?: boolean } = {}): Promise<Result<ConsumerInfo, MediaOpError>> {
    const t = this.#transport(peerId, transportId);
    if (!t.ok) return t;
    const peer = this.#peer(peerId);
    const slot = peer.slot;
    if (!slot) return err('media_closed');
    // Consumers being made count too, so concurrent consumes cannot pass the cap.
    if (peer.consumers.size + peer.pendingConsumers >= this.#caps.consumers) return err('cap_reached');
    const owner = this.producerOwner(producerId);
    if (owner === undefined) return err('no_such_producer');
    peer.pendingConsumers++;
    let consumer: types.Consumer;
    try {
      const here = await slot.producers.get(producerId);
      if (!here || here.closed) return err('no_such_producer');
      if (!slot.router.canConsume({ producerId, rtpCapabilities })) return err('cannot_consume');
      consumer = await t.value.consume({ producerId, rtpCapabilities, paused: options.paused ?? true, appData: { peerId } });
    } catch (e) {
      // The producer or the transport closed meanwhile.
      this.#log.debug({ error: String(e) }, 'consume refused');
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
      if (peer.consumers.size === 0 && slot.peers.has(peerId) && this.#peers.get(peerId) === peer) slot.waiting++;
    });
    return ok({ id: consumer.id, producerId, peerId: owner, kind: consumer.kind, rtpParameters: consumer.rtpParameters, producerPaused: consumer.producerPaused });
  }

  async resumeConsumer(peerId: string, consumerId: string): Promise<Result<null, MediaOpError>> {
    if (this.#closed) return err('media_closed');
    const consumer = this.#peers.get(peerId)?.consumers.get(consumerId);
    if (!consumer) {
      for (const p of this.#peers.values()) if (p.consumers.has(consumerId)) return err('not_yours');
      return err('no_such_consumer');
    }
    await consumer.resume();
    return ok(null);
  }

  /** Closes everything of one peer (it left). */
  closePeer(peerId: string): void {
    const peer = this.#peers.get(peerId);
    if (!peer) return;
    this.#peers.delete(peerId);
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

  #closeWith(reason: RoomMediaCloseReason): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const slot of this.#slots.splice(0)) slot.router.close();
    this.#peers.clear();
    this.#sources.clear();
    this.#owners.clear();
    this.emit('close', reason);
  }
}
