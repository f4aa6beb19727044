/**
 * The media half of a room connection: a mediasoup-client Device, one
 * receiving transport with a consumer per speaker, and while on stage a
 * sending transport with the microphone's producer.
 *
 * Muting is done here, on the device: the producer is paused with
 * `zeroRtpOnPause` (its sender carries no track) and the track is disabled,
 * so no audio at all leaves the browser while muted; the server is told too.
 */
import { Device, type types } from 'mediasoup-client';

type Json = Record<string, unknown>;
export type Requester = (type: string, fields?: Json) => Promise<Json>;

export class RoomMedia {
  private device: Device | undefined;
  private recv: types.Transport | undefined;
  private send: types.Transport | undefined;
  private producer: types.Producer | undefined;
  private track: MediaStreamTrack | undefined;
  private producing: Promise<void> | undefined;
  private localMuted = false;
  private readonly consumers = new Map<string, { consumer: types.Consumer; audio: HTMLAudioElement }>();
  /** Producers to hear: kept while the receiving transport is still being made, so none announced meanwhile is missed. */
  private readonly wanted = new Set<string>();
  /** Consumes under way (a producer announced twice, in the join answer and as an event, is consumed once). */
  private readonly consuming = new Set<string>();
  private closed = false;

  constructor(private readonly request: Requester, private readonly grant: () => string, private readonly sink: HTMLElement) {}

  private withGrant(fields: Json = {}): Json {
    return { grant: this.grant(), ...fields };
  }

  /** Loads a device for the router and consumes the producers already there. */
  async start(routerRtpCapabilities: types.RtpCapabilities, producers: { producerId: string }[]): Promise<void> {
    // Wanted at once: a `producerClosed` that arrives while the device loads takes one of them back.
    for (const p of producers) this.wanted.add(p.producerId);
    this.device = new Device();
    await this.device.load({ routerRtpCapabilities });
    this.recv = await this.openTransport('recv');
    // One producer gone meanwhile (refused by the server) does not keep the others, nor the join, from working.
    for (const id of [...this.wanted]) await this.consume(id).catch(() => undefined);
  }

  private async openTransport(direction: 'send' | 'recv'): Promise<types.Transport> {
    if (!this.device) throw new Error('no device');
    const info = (await this.request('createTransport', this.withGrant({ direction }))) as unknown as types.TransportOptions;
    const transport = direction === 'send' ? this.device.createSendTransport(info) : this.device.createRecvTransport(info);
    transport.on('connect', ({ dtlsParameters }, done, fail) => {
      this.request('connectTransport', this.withGrant({ transportId: transport.id, dtlsParameters })).then(() => done(), fail);
    });
    transport.on('connectionstatechange', (state) => {
      if (state !== 'failed' || this.closed) return;
      this.request('restartIce', this.withGrant({ transportId: transport.id }))
        .then((r) => transport.restartIce({ iceParameters: r.iceParameters as types.IceParameters }))
        .catch(() => undefined);
    });
    if (direction === 'send') {
      transport.on('produce', ({ rtpParameters }, done, fail) => {
        this.request('produce', this.withGrant({ transportId: transport.id, rtpParameters, paused: this.localMuted }))
          .then((r) => done({ id: String(r.id) }), fail);
      });
    }
    return transport;
  }

  async consume(producerId: string): Promise<void> {
    if (this.closed) return;
    this.wanted.add(producerId);
    // Not ready yet: start() consumes every wanted producer once the receiving transport exists.
    if (!this.recv || !this.device || this.consumers.has(producerId) || this.consuming.has(producerId)) return;
    this.consuming.add(producerId);
    try {
      await this.consumeNow(this.recv, this.device, producerId);
    } finally {
      this.consuming.delete(producerId);
    }
  }

  private async consumeNow(recv: types.Transport, device: Device, producerId: string): Promise<void> {
    const info = await this.request('consume', this.withGrant({ transportId: recv.id, producerId, rtpCapabilities: device.rtpCapabilities }));
    // Gone meanwhile (the speaker left, or the page left): the server's consumer stays paused until the transport closes.
    if (this.closed || !this.wanted.has(producerId)) return;
    const consumer = await recv.consume({ id: String(info.id), producerId, kind: 'audio', rtpParameters: info.rtpParameters as types.RtpParameters });
    const audio = document.createElement('audio');
    audio.autoplay = true;
    audio.srcObject = new MediaStream([consumer.track]);
    this.sink.append(audio);
    this.consumers.set(producerId, { consumer, audio });
    void audio.play().catch(() => undefined);
    await this.request('resumeConsumer', this.withGrant({ consumerId: consumer.id }));
  }

  dropConsumer(producerId: string): void {
    this.wanted.delete(producerId);
    const c = this.consumers.get(producerId);
    if (!c) return;
    c.consumer.close();
    c.audio.remove();
    this.consumers.delete(producerId);
  }

  get speaking(): boolean {
    return this.producer !== undefined;
  }

  /** Opens the microphone and produces (when allowed on stage). Throws a readable error when the microphone is refused. */
  async startSpeaking(muted: boolean): Promise<void> {
    if (this.producer || this.producing) return this.producing;
    this.localMuted = muted;
    this.producing = (async () => {
      let stream: MediaStream;
      try {
        stream = await navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false } });
      } catch (e) {
        const name = e instanceof DOMException ? e.name : '';
        throw new Error(name === 'NotAllowedError'
          ? 'The microphone is blocked: allow it for this site in the browser (the icon next to the address) to speak.'
          : 'No microphone could be opened. Check that one is connected and not used by another program.');
      }
      const track = stream.getAudioTracks()[0];
      if (!track) throw new Error('No microphone was found.');
      this.track = track;
      track.enabled = !this.localMuted;
      this.send ??= await this.openTransport('send');
      this.producer = await this.send.produce({ track, stopTracks: false, zeroRtpOnPause: true, disableTrackOnPause: true });
      if (this.localMuted) this.producer.pause();
    })().finally(() => {
      this.producing = undefined;
    });
    return this.producing;
  }

  /** Mutes or unmutes on this device: a paused producer sends no RTP and the track is disabled. */
  setLocalMute(muted: boolean): void {
    this.localMuted = muted;
    if (this.track) this.track.enabled = !muted;
    if (!this.producer) return;
    if (muted && !this.producer.paused) this.producer.pause();
    if (!muted && this.producer.paused) this.producer.resume();
  }

  get mutedLocally(): boolean {
    return this.localMuted;
  }

  stopSpeaking(): void {
    this.producer?.close();
    this.producer = undefined;
    this.send?.close();
    this.send = undefined;
    this.track?.stop();
    this.track = undefined;
  }

  /** Closes everything: consumers, transports, the microphone. */
  close(): void {
    this.closed = true;
    for (const id of [...this.consumers.keys()]) this.dropConsumer(id);
    this.stopSpeaking();
    this.recv?.close();
    this.recv = undefined;
  }

  /** What the consumers received (tests read it through window.hearth). */
  async inbound(): Promise<{ bytesReceived: number; totalAudioEnergy: number; consumers: number; packetsReceived: number; packetsLost: number }> {
    let bytesReceived = 0;
    let totalAudioEnergy = 0;
    let packetsReceived = 0;
    let packetsLost = 0;
    for (const { consumer } of this.consumers.values()) {
      (await consumer.getStats()).forEach((s: { type?: string; bytesReceived?: number; totalAudioEnergy?: number; packetsReceived?: number; packetsLost?: number }) => {
        if (s.type !== 'inbound-rtp') return;
        bytesReceived += s.bytesReceived ?? 0;
        totalAudioEnergy += s.totalAudioEnergy ?? 0;
        packetsReceived += s.packetsReceived ?? 0;
        packetsLost += s.packetsLost ?? 0;
      });
    }
    return { bytesReceived, totalAudioEnergy, consumers: this.consumers.size, packetsReceived, packetsLost };
  }

  /** What left this browser for the server (RTP bytes and packets of the microphone). */
  async outbound(): Promise<{ bytesSent: number; packetsSent: number; producing: boolean; trackEnabled: boolean | null }> {
    let bytesSent = 0;
    let packetsSent = 0;
    if (this.producer) {
      (await this.producer.getStats()).forEach((s: { type?: string; bytesSent?: number; packetsSent?: number }) => {
        if (s.type !== 'outbound-rtp') return;
        bytesSent += s.bytesSent ?? 0;
        packetsSent += s.packetsSent ?? 0;
      });
    }
    return { bytesSent, packetsSent, producing: this.producer !== undefined, trackEnabled: this.track ? this.track.enabled : null };
  }
}
