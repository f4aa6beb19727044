/**
 * One room's media: a mediasoup router on one worker, an audio-level observer
 * for active-speaker events, and every peer's WebRTC transports, producer and
 * consumers. Peers are ids the rooms layer chooses; this class checks that a
 * peer only touches its own transports and consumers, and enforces per-peer
 * caps. Closing it closes the router, which closes everything below (the
 * close cascade); a worker's death closes it with reason `worker_died`.
 */
import type { types } from 'mediasoup';
import type { Logger } from 'pino';
import { err, ok, type Result } from '../server/core/result.js';
import { AUDIO_MEDIA_CODECS } from './codecs.js';
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

interface Peer {
  transports: Map<string, types.WebRtcTransport>;
  /** Transports being created now (counted against limits already). */
  pending: number;
  /** Open producers by id, at most `caps.producers`. */
  producers: Map<string, types.Producer>;
  consumers: Map<string, types.Consumer>;
}

const ACTIVE_SPEAKER_INTERVAL_MS = 200;

export class RoomMedia extends TypedEventEmitter<RoomMediaEvents> {
  readonly #router: types.Router;
  readonly #observer: types.AudioLevelObserver;
  readonly #options: RoomMediaOptions;
  readonly #caps: PeerCaps;
  readonly #peers = new Map<string, Peer>();
  readonly #log: Logger;
  #closed = false;
  #speaker: string | null = null;
  #speakerAt = 0;

  private constructor(router: types.Router, observer: types.AudioLevelObserver, options: RoomMediaOptions) {
    const log = options.log.child({ module: 'media.room' });
    super((error, event) => log.error({ event, error: String(error) }, 'room media listener threw'));
    this.#log = log;
    this.#router = router;
    this.#observer = observer;
    this.#options = options;
    this.#caps = options.caps ?? DEFAULT_PEER_CAPS;
    router.on('workerclose', () => this.#closeWith('worker_died'));
    router.observer.once('close', () => this.#closeWith('closed'));
    observer.on('volumes', (volumes) => {
      const loudest = volumes[0]?.producer.appData.peerId;
      this.#setSpeaker(typeof loudest === 'string' ? loudest : null);
    });
    observer.on('silence', () => this.#setSpeaker(null));
  }

  /** Creates the router (Opus only) and its audio-level observer on `worker`. */
  static async create(worker: types.Worker, options: RoomMediaOptions): Promise<RoomMedia> {
    const router = await worker.createRouter({ mediaCodecs: AUDIO_MEDIA_CODECS, appData: { workerPid: worker.pid } });
    try {
      const observer = await router.createAudioLevelObserver({ maxEntries: 1, threshold: -60, interval: ACTIVE_SPEAKER_INTERVAL_MS });
      return new RoomMedia(router, observer, options);
    } catch (e) {
      router.close();
      throw e;
    }
  }

  get closed(): boolean {
    return this.#closed;
  }

  get rtpCapabilities(): types.RtpCapabilities {
    return this.#router.rtpCapabilities;
  }

  /** The pid of the worker this room's router runs on (tests, metrics). */
  get workerPid(): number | undefined {
    const pid = (this.#router.appData as { workerPid?: unknown }).workerPid;
    return typeof pid === 'number' ? pid : undefined;
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
      peer = { transports: new Map(), pending: 0, producers: new Map(), consumers: new Map() };
      this.#peers.set(peerId, peer);
    }
    return peer;
  }

  /** A transport of this peer, or why not. */
  #transport(peerId: string, transportId: string): Result<types.WebRtcTransport, MediaOpError> {
    if (this.#closed) return err('media_closed');
    const own = this.#peers.get(peerId)?.transports.get(transportId);
    if (own) return ok(own);
    for (const peer of this.#peers.values()) if (peer.transports.has(transportId)) return err('not_yours');
    return err('no_such_transport');
  }

  async createTransport(peerId: string): Promise<Result<TransportInfo, MediaOpError>> {
    if (this.#closed) return err('media_closed');
    const peer = this.#peer(peerId);
    if (peer.transports.size + peer.pending >= this.#caps.transports) return err('cap_reached');
    const common = { enableUdp: true, enableTcp: true, preferUdp: true, initialAvailableOutgoingBitrate: 600_000, appData: { peerId } };
    const server = this.#options.webRtcServer;
    peer.pending++;
    let transport: types.WebRtcTransport;
    try {
      transport = await this.#router.createWebRtcTransport(server
        ? { ...common, webRtcServer: server }
        : { ...common, listenIps: [{ ip: this.#options.listenIp, ...(this.#options.announcedIp ? { announcedIp: this.#options.announcedIp } : {}) }] });
    } finally {
      peer.pending--;
    }
    // The peer left (or the room closed) while the transport was being made: it must not outlive them.
    if (this.#closed || this.#peers.get(peerId) !== peer) {
      transport.close();
      return err('media_closed');
    }
    if (this.#options.maxIncomingBitrate) await transport.setMaxIncomingBitrate(this.#options.maxIncomingBitrate);
    peer.transports.set(transport.id, transport);
    transport.observer.once('close', () => peer.transports.delete(transport.id));
    return ok({ id: transport.id, iceParameters: transport.iceParameters, iceCandidates: transport.iceCandidates, dtlsParameters: transport.dtlsParameters });
  }

  async connectTransport(peerId: string, transportId: string, dtlsParameters: types.DtlsParameters): Promise<Result<null, MediaOpError>> {
    const t = this.#transport(peerId, transportId);
    if (!t.ok) return t;
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
    if (this.#closed) return err('media_closed');
    peer.producers.set(producer.id, producer);
    producer.observer.once('close', () => {
      peer.producers.delete(producer.id);
      this.emit('producerClosed', { peerId, producerId: producer.id });
    });
    await this.#observer.addProducer({ producerId: producer.id }).catch((e: unknown) => this.#log.warn({ error: String(e) }, 'audio level observer refused a producer'));
    this.emit('producerAdded', { peerId, producerId: producer.id });
    return ok({ id: producer.id });
  }

  /**
   * Cascade links (media/cascade.ts): a PipeTransport on this room's router,
   * closed with the router. SRTP protects the path between instances, RTX
   * repairs its losses.
   */
  async createPipeTransport(listenIp: string, announcedIp?: string): Promise<types.PipeTransport> {
    if (this.#closed) throw new Error('room media closed');
    return this.#router.createPipeTransport({
      listenIp: { ip: listenIp, ...(announcedIp ? { announcedIp } : {}) },
      enableSrtp: true,
      enableRtx: true,
    });
  }

  /**
   * Takes a producer made on a cascade pipe as `peerId`'s own: local peers
   * consume it, mute pauses it and leaving the stage closes it, as for a
   * producer of a local peer. Not counted against the peer caps (the other
   * instance checked its own peer's).
   */
  async adoptProducer(peerId: string, producer: types.Producer): Promise<void> {
    if (this.#closed) {
      producer.close();
      return;
    }
    const peer = this.#peer(peerId);
    peer.producers.set(producer.id, producer);
    producer.observer.once('close', () => {
      peer.producers.delete(producer.id);
      this.emit('producerClosed', { peerId, producerId: producer.id });
    });
    await this.#observer.addProducer({ producerId: producer.id }).catch((e: unknown) => this.#log.warn({ error: String(e) }, 'audio level observer refused a producer'));
    this.emit('producerAdded', { peerId, producerId: producer.id });
  }

  /** The peer whose producer this is, if it is open in this room. */
  producerOwner(producerId: string): string | undefined {
    for (const [id, p] of this.#peers) if (p.producers.has(producerId)) return id;
    return undefined;
  }

  /** Pauses or resumes a peer's producers server-side (mute). No producer: nothing to do. */
  async setPaused(peerId: string, paused: boolean): Promise<void> {
    const producers = [...(this.#peers.get(peerId)?.producers.values() ?? [])].filter((p) => !p.closed);
    await Promise.all(producers.map((p) => (paused ? p.pause() : p.resume())));
  }

  /** Closes a peer's producers (it left the stage). */
  closeProducer(peerId: string): void {
    for (const producer of [...(this.#peers.get(peerId)?.producers.values() ?? [])]) producer.close();
  }

  /** A consumer (paused until the client resumes it) of `producerId` on the peer's transport. */
  async consume(peerId: string, transportId: string, producerId: string, rtpCapabilities: types.RtpCapabilities): Promise<Result<ConsumerInfo, MediaOpError>> {
    const t = this.#transport(peerId, transportId);
    if (!t.ok) return t;
    const peer = this.#peer(peerId);
    if (peer.consumers.size >= this.#caps.consumers) return err('cap_reached');
    let owner: string | undefined;
    for (const [id, p] of this.#peers) if (p.producers.has(producerId)) owner = id;
    if (owner === undefined) return err('no_such_producer');
    if (!this.#router.canConsume({ producerId, rtpCapabilities })) return err('cannot_consume');
    const consumer = await t.value.consume({ producerId, rtpCapabilities, paused: true, appData: { peerId } });
    peer.consumers.set(consumer.id, consumer);
    consumer.observer.once('close', () => peer.consumers.delete(consumer.id));
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
    for (const t of peer.transports.values()) t.close();
    // Producers adopted from a cascade pipe live on the pipe, not on the peer's transports.
    for (const p of [...peer.producers.values()]) p.close();
  }

  /** Closes the router and with it every transport, producer and consumer. */
  close(): void {
    if (this.#closed) return;
    this.#router.close();
    this.#closeWith('closed');
  }

  #closeWith(reason: RoomMediaCloseReason): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#peers.clear();
    this.emit('close', reason);
  }

  /**
   * Emits on a change, and repeats an unchanged speaker once a second so that
   * newcomers learn it; the observer's 200 ms interval caps it at five a second.
   */
  #setSpeaker(peerId: string | null): void {
    const now = Date.now();
    if (this.#speaker === peerId && (peerId === null || now - this.#speakerAt < 1_000)) return;
    this.#speaker = peerId;
    this.#speakerAt = now;
    this.emit('activeSpeaker', { peerId });
  }
}
