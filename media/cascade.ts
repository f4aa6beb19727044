/**
 * One end of a cascade link between two instances' routers for one room
 * (ADR 0030): a PipeTransport with SRTP (keys travel only inside the signed
 * HTTPS link exchange) and RTX (losses on the path between instances are
 * repaired). The origin side consumes each of its producers once into the
 * pipe (`send`); the other side produces them with the same id (`receive`)
 * and adopts them into its room, where its own listeners consume them.
 * Closing the pipe closes everything sent and received through it.
 */
import type { types } from 'mediasoup';
import { err, ok, type Result } from '../server/core/result.js';
import type { MediaOpError, RoomMedia } from './room-media.js';

/** What one side tells the other: where its pipe listens and its SRTP keys. */
export interface PipeEndpoint {
  ip: string;
  port: number;
  srtpParameters: types.SrtpParameters;
}

/** A producer as it travels over a pipe: the other side produces it with the same id and parameters. */
export interface PipedProducer {
  producerId: string;
  kind: 'audio';
  rtpParameters: types.RtpParameters;
  paused: boolean;
}

export interface CascadePipeOptions {
  listenIp: string;
  /** The address the other instance reaches (behind NAT); the listen IP when unset. */
  announcedIp?: string | undefined;
}

export class CascadePipe {
  readonly #transport: types.PipeTransport;
  readonly #media: RoomMedia;
  readonly #sent = new Map<string, types.Consumer>();
  readonly #received = new Map<string, types.Producer>();
  /** Pause changes that arrived while their producer was still being created. */
  readonly #pendingPause = new Map<string, boolean>();
  #connected = false;
  #sendEnded: ((producerId: string) => void) | undefined;
  #sendPaused: ((producerId: string, paused: boolean) => void) | undefined;

  private constructor(media: RoomMedia, transport: types.PipeTransport) {
    this.#media = media;
    this.#transport = transport;
  }

  static async open(media: RoomMedia, options: CascadePipeOptions): Promise<CascadePipe> {
    return new CascadePipe(media, await media.createPipeTransport(options.listenIp, options.announcedIp));
  }

  get closed(): boolean {
    return this.#transport.closed;
  }

  /** This end, to send to the other instance. */
  get local(): PipeEndpoint {
    const { localIp, localPort } = this.#transport.tuple;
    const srtp = this.#transport.srtpParameters;
    if (!srtp) throw new Error('a cascade pipe without SRTP');
    return { ip: localIp, port: localPort, srtpParameters: srtp };
  }

  /** Producers sent into the pipe now (one per producer, however many listen on the other side). */
  get sentCount(): number {
    return this.#sent.size;
  }

  /** Ids of the producers received through this pipe. */
  receivedIds(): string[] {
    return [...this.#received.keys()];
  }

  /** Told when a producer sent into the pipe closed here (the other side must close its copy). */
  onSendEnded(listener: (producerId: string) => void): void {
    this.#sendEnded = listener;
  }

  /**
   * Told when a producer sent into the pipe paused or resumed here: the
   * other side mirrors it on its copy (a copy created paused would otherwise
   * stay paused after the speaker unmuted).
   */
  onSendPaused(listener: (producerId: string, paused: boolean) => void): void {
    this.#sendPaused = listener;
  }

  /** Connects to the other end (once). */
  async connect(remote: PipeEndpoint): Promise<Result<null, 'bad_parameters'>> {
    if (this.#connected) return err('bad_parameters');
    try {
      await this.#transport.connect({ ip: remote.ip, port: remote.port, srtpParameters: remote.srtpParameters });
    } catch {
      return err('bad_parameters');
    }
    this.#connected = true;
    return ok(null);
  }

  /** Consumes a producer of this room into the pipe, once; answers what the other side produces. */
  async send(producerId: string): Promise<Result<PipedProducer, MediaOpError>> {
    if (this.closed) return err('media_closed');
    const existing = this.#sent.get(producerId);
    if (existing) return ok({ producerId, kind: 'audio', rtpParameters: existing.rtpParameters, paused: existing.producerPaused });
    let consumer: types.Consumer;
    try {
      consumer = await this.#transport.consume({ producerId });
    } catch {
      return err('no_such_producer');
    }
    this.#sent.set(producerId, consumer);
    consumer.observer.once('close', () => this.#sent.delete(producerId));
    consumer.once('producerclose', () => this.#sendEnded?.(producerId));
    consumer.on('producerpause', () => this.#sendPaused?.(producerId, true));
    consumer.on('producerresume', () => this.#sendPaused?.(producerId, false));
    return ok({ producerId, kind: 'audio', rtpParameters: consumer.rtpParameters, paused: consumer.producerPaused });
  }

  /** Stops sending a producer (the other side may no longer have it). */
  stopSending(producerId: string): void {
    this.#sent.get(producerId)?.close();
  }

  /**
   * Produces what the other side sends, with its id, as `peerId`'s producer
   * in this room; `paused` (when given) decides instead of the sender's flag:
   * the room's host starts a muted speaker's producer paused, whatever the
   * linked instance says.
   */
  async receive(peerId: string, piped: PipedProducer, paused: boolean = piped.paused): Promise<Result<{ id: string }, MediaOpError>> {
    if (this.closed) return err('media_closed');
    if (this.#received.has(piped.producerId)) return ok({ id: piped.producerId });
    let producer: types.Producer;
    try {
      producer = await this.#transport.produce({
        id: piped.producerId, kind: piped.kind, rtpParameters: piped.rtpParameters, paused, appData: { peerId },
      });
    } catch {
      return err('bad_parameters');
    }
    this.#received.set(producer.id, producer);
    producer.observer.once('close', () => this.#received.delete(producer.id));
    const pending = this.#pendingPause.get(producer.id);
    this.#pendingPause.delete(producer.id);
    if (pending !== undefined && pending !== paused) await (pending ? producer.pause() : producer.resume());
    await this.#media.adoptProducer(peerId, producer);
    return ok({ id: producer.id });
  }

  /** The other side closed a producer it sent. */
  stopReceiving(producerId: string): void {
    this.#received.get(producerId)?.close();
  }

  /** Pauses or resumes a received producer (the sender muted it). */
  async setReceivedPaused(producerId: string, paused: boolean): Promise<void> {
    const producer = this.#received.get(producerId);
    if (!producer) {
      if (this.#pendingPause.size < 100) this.#pendingPause.set(producerId, paused);
      return;
    }
    if (producer.closed) return;
    await (paused ? producer.pause() : producer.resume());
  }

  /** Closes the pipe: every producer received through it closes in the room. */
  close(): void {
    for (const producer of [...this.#received.values()]) producer.close();
    this.#transport.close();
  }

  /** Packets that reached a producer received through this pipe (tests, stats); 0 when it is not here. */
  async receivedPackets(producerId: string): Promise<number> {
    const producer = this.#received.get(producerId);
    if (!producer) return 0;
    const stats = await producer.getStats();
    return stats.reduce((n, s) => n + s.packetCount, 0);
  }

  /** Bytes on the pipe (tests, stats). */
  async stats(): Promise<{ bytesReceived: number; bytesSent: number }> {
    const [s] = await this.#transport.getStats();
    return { bytesReceived: s?.bytesReceived ?? 0, bytesSent: s?.bytesSent ?? 0 };
  }
}
