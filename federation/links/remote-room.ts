/**
 * The linking instance's side of one cascade link (ADR 0030): a room of
 * another instance as this instance's participants see it. Their browsers
 * talk only to this instance: they consume from this instance's own router
 * (into which the host's producers are piped once) and their speakers
 * produce here (each producer piped to the host once). Stage actions go to
 * the host over the control channel; the host's room state comes back and
 * is relayed to each participant as it is. A link that breaks is opened
 * again (the participants stay); a link nobody uses closes after a grace.
 * The participants and what the host says to each are kept by the roster
 * (federation/links/remote-roster.ts).
 */
import type { Logger } from 'pino';
import type { RoomMedia, RoomMediaRegistry } from '../../media/index.js';
import { err, ok, type Result } from '../../server/core/result.js';
import {
  canPublish, type Arrival, type AudiencePage, type Grant, type GrantIssuer, type GrantView, type JoinAnswer, type LeaveReason, type LiveRoomHandle,
  type ParticipantLink, type Role, type RoomOpError, type RoomState, type StageCommand,
} from '../../server/rooms/index.js';
import type { LinkChannel, LinkEvent } from './link-channel.js';
import { leaveReasonOf, refusalOf, RemoteRoster, type Member } from './remote-roster.js';

export interface RemoteRoomDeps {
  /** The room's id (its Event's id) and where to ask for a link. */
  roomId: string;
  joinEndpoint: string;
  registry: RoomMediaRegistry;
  grants: GrantIssuer;
  /** The actor id of a local persona. */
  actorOf(personaId: string): Promise<string | null>;
  channel: (onEvent: (e: LinkEvent) => void, onDown: (reason: string) => void) => LinkChannel;
  graceMs: number;
  log: Logger;
  onClosed(room: RemoteRoom): void;
}

export class RemoteRoom implements LiveRoomHandle {
  readonly remote = true as const;
  readonly #deps: RemoteRoomDeps;
  readonly #roster: RemoteRoster;
  #channel: LinkChannel | undefined;
  #connecting: Promise<Result<LinkChannel, RoomOpError>> | undefined;
  #media: RoomMedia | undefined;
  #ended = false;
  #grace: NodeJS.Timeout | undefined;
  #retry = 0;

  constructor(deps: RemoteRoomDeps) {
    this.#deps = deps;
    this.#roster = new RemoteRoster({ roomId: deps.roomId, grants: deps.grants, media: () => this.#media });
  }

  get id(): string {
    return this.#deps.roomId;
  }

  get ended(): boolean {
    return this.#ended;
  }

  get media(): RoomMedia | undefined {
    return this.#media;
  }

  /** How many of this instance's participants are in the room. */
  get size(): number {
    return this.#roster.size;
  }

  roleOf(participantId: string): Role | undefined {
    return this.#roster.get(participantId)?.role;
  }

  /** Opens the link (request naming `actor`, pipe, control channel); concurrent callers share one attempt. */
  connect(actor: string | null): Promise<Result<LinkChannel, RoomOpError>> {
    if (this.#channel && !this.#channel.closed) return Promise.resolve(ok(this.#channel));
    this.#connecting ??= this.#open(actor).finally(() => {
      this.#connecting = undefined;
    });
    return this.#connecting;
  }

  async #open(actor: string | null): Promise<Result<LinkChannel, RoomOpError>> {
    const media = await this.#deps.registry.getOrCreate(`cascade:${this.id}`);
    if (!media.ok) return err({ kind: 'media_unavailable' });
    if (this.#media !== media.value.media) this.#watch(media.value.media);
    const channel = this.#deps.channel((e) => this.#onEvent(channel, e), (reason) => this.#onDown(channel, reason));
    const opened = await channel.open(media.value.media, this.id, actor);
    if (!opened.ok) return err(opened.error);
    this.#channel = channel;
    this.#retry = 0;
    return ok(channel);
  }

  async join(arrival: Arrival, link: ParticipantLink): Promise<Result<JoinAnswer, RoomOpError>> {
    clearTimeout(this.#grace);
    let announce: Member['announce'];
    if (arrival.kind === 'persona') {
      const actor = await this.#deps.actorOf(arrival.id);
      if (!actor) return err({ kind: 'no_persona' });
      announce = { kind: 'persona', actor, displayName: arrival.displayName, hidden: arrival.hidden };
    } else announce = { kind: 'guest', ref: arrival.id.replace(/^guest:/, '') };
    const channel = await this.connect(announce.kind === 'persona' ? announce.actor : null);
    if (!channel.ok) {
      // Refused before anyone got in: nothing of this room stays here (the next join asks again).
      if (this.#roster.size === 0 && !this.#channel) this.close('left');
      return channel;
    }
    const member: Member = { local: arrival.id, hostId: '', link, announce, role: 'listener', muted: false };
    const previous = this.#roster.get(arrival.id);
    const answer = await channel.value.request({ type: 'announce', participant: announce });
    if (!answer.ok) return err(refusalOf(answer.error));
    const data = answer.value as { participantId: string; role: Role; room: Record<string, unknown> };
    member.hostId = data.participantId;
    member.role = data.role;
    this.#roster.set(member);
    if (previous && previous.link !== link) previous.link.departed('replaced');
    const media = this.#media;
    if (!media) return err({ kind: 'media_unavailable' });
    return ok({
      participantId: member.hostId,
      grant: await this.#roster.grant(member),
      routerRtpCapabilities: media.rtpCapabilities,
      room: { ...(data.room as unknown as RoomState), roomId: this.id },
      producers: media.producers().filter((p) => p.peerId !== arrival.id).map((p) => ({ producerId: p.producerId, participantId: this.#roster.hostIdOf(p.peerId) })),
    });
  }

  async leave(participantId: string, link: ParticipantLink): Promise<void> {
    const m = this.#roster.get(participantId);
    if (!m || m.link !== link) return;
    this.#roster.delete(participantId);
    this.#media?.closePeer(participantId);
    await this.#channel?.request({ type: 'depart', participantId: m.hostId });
    this.#armGrace();
  }

  /** A stage command of a participant here: the host runs it on the real stage (and checks its rules). */
  async command(by: string, command: StageCommand): Promise<Result<null, RoomOpError>> {
    const m = this.#roster.get(by);
    if (!m) return err({ kind: 'stage', error: 'not_in_room' });
    const channel = this.#channel;
    if (!channel || channel.closed) return err({ kind: 'media_unavailable' });
    const answer = await channel.request({ type: 'act', participantId: m.hostId, action: command.type, ...('target' in command ? { target: command.target } : {}) });
    return answer.ok ? ok(null) : err(refusalOf(answer.error));
  }

  async refreshGrant(participantId: string): Promise<Result<GrantView, RoomOpError>> {
    const m = this.#roster.get(participantId);
    return m ? ok(await this.#roster.grant(m)) : err({ kind: 'stage', error: 'not_in_room' });
  }

  async authorize(participantId: string, token: string, need: 'publish' | 'subscribe' | 'any'): Promise<Result<{ grant: Grant; media: RoomMedia }, RoomOpError>> {
    const checked = await this.#deps.grants.verify(token, { roomId: this.id, participantId });
    if (!checked.ok) return err({ kind: 'grant', error: checked.error });
    const m = this.#roster.get(participantId);
    if (!m) return err({ kind: 'stage', error: 'not_in_room' });
    if (need === 'publish' && (!checked.value.canPublish || !canPublish(m.role))) return err({ kind: 'stage', error: 'not_allowed' });
    const media = this.#media;
    if (!media || media.closed) return err({ kind: 'media_unavailable' });
    return ok({ grant: checked.value, media });
  }

  /** A page of the host's audience, asked of the host over the control channel. */
  async audiencePage(participantId: string, offset: number, limit: number): Promise<Result<AudiencePage, RoomOpError>> {
    const m = this.#roster.get(participantId);
    if (!m) return err({ kind: 'stage', error: 'not_in_room' });
    const channel = this.#channel;
    if (!channel || channel.closed) return err({ kind: 'media_unavailable' });
    const answer = await channel.request({ type: 'audience', participantId: m.hostId, offset, limit });
    return answer.ok ? ok(answer.value as AudiencePage) : err(refusalOf(answer.error));
  }

  async afterProduce(participantId: string): Promise<void> {
    if (this.#roster.get(participantId)?.muted) await this.#media?.setPaused(participantId, true);
  }

  /** Closes the link and tells every participant here (room ended, link refused for good, shutdown). */
  close(reason: LeaveReason): void {
    if (this.#ended) return;
    this.#ended = true;
    clearTimeout(this.#grace);
    for (const m of this.#roster.takeAll()) m.link.departed(reason);
    this.#channel?.close();
    void this.#deps.registry.close(`cascade:${this.id}`);
    this.#deps.onClosed(this);
  }

  #watch(media: RoomMedia): void {
    this.#media = media;
    media.on('producerAdded', ({ peerId, producerId }) => {
      this.#roster.broadcast({ kind: 'producerAdded', producerId, participantId: this.#roster.hostIdOf(peerId) }, peerId);
      const m = this.#roster.get(peerId);
      if (m) void this.#pipeOut(m, producerId);
    });
    media.on('producerClosed', ({ peerId, producerId }) => {
      this.#roster.broadcast({ kind: 'producerClosed', producerId, participantId: this.#roster.hostIdOf(peerId) }, peerId);
      const m = this.#roster.get(peerId);
      if (m) void this.#channel?.request({ type: 'unproduce', participantId: m.hostId, producerId });
    });
    // A worker under a spread room died (ADR 0040): its participants here reconnect; the pipe lived on the origin.
    media.on('routerLost', ({ peerIds, origin }) => {
      for (const id of peerIds) this.#roster.get(id)?.link.send({ kind: 'mediaMoved', reason: 'worker_died', routerRtpCapabilities: media.rtpCapabilities });
      const channel = this.#channel;
      if (origin && channel) this.#onDown(channel, 'lost');
    });
  }

  /** A speaker here produced: the producer goes to the host once, or closes if the host refuses it. */
  async #pipeOut(m: Member, producerId: string): Promise<void> {
    const channel = this.#channel;
    if (!channel) return;
    const piped = await channel.pipe.send(producerId);
    if (!piped.ok) return;
    const answer = await channel.request({ type: 'produce', participantId: m.hostId, producer: piped.value });
    if (!answer.ok) {
      this.#deps.log.info({ roomId: this.id, reason: answer.error.code }, 'the host refused a producer');
      channel.pipe.stopSending(producerId);
      this.#media?.closeProducer(m.local);
    }
  }

  #onEvent(channel: LinkChannel, e: LinkEvent): void {
    if (channel !== this.#channel) return;
    switch (e.event) {
      case 'producer':
        void channel.pipe.receive(e.data.participantId, e.data.producer);
        return;
      case 'producerClosed':
        channel.pipe.stopReceiving(e.data.producerId);
        return;
      case 'producerPaused':
        void channel.pipe.setReceivedPaused(e.data.producerId, e.data.paused);
        return;
      case 'departed': {
        const m = this.#roster.byHostId(e.data.participantId);
        if (!m) return;
        this.#roster.remove(m, leaveReasonOf(e.data.reason));
        this.#armGrace();
        return;
      }
      case 'to':
        void this.#roster.relay(e.data.participantId, e.data.payload);
        return;
      case 'closed':
        if (e.data.reason === 'room_ended') this.close('room_ended');
        else if (e.data.reason === 'blocked') this.close('removed');
        return;
    }
  }

  /** The link broke (a network drop, the host restarted): open it again while anyone here is in the room. */
  #onDown(channel: LinkChannel, reason: string): void {
    if (channel !== this.#channel || this.#ended) return;
    this.#channel = undefined;
    channel.close();
    if (reason === 'room_ended') return this.close('room_ended');
    if (reason === 'blocked') return this.close('removed');
    if (this.#roster.size === 0) return this.close('left');
    const delay = this.#nextDelay();
    this.#deps.log.info({ roomId: this.id, reason, delayMs: delay }, 'cascade link lost; opening it again');
    setTimeout(() => void this.#reopen(), delay).unref();
  }

  /** The wait before the next attempt to open the link again: 250 ms doubling up to 2 s. */
  #nextDelay(): number {
    return Math.min(2_000, 250 * 2 ** this.#retry++);
  }

  async #reopen(): Promise<void> {
    if (this.#ended) return;
    const first = this.#roster.all()[0]?.announce;
    const channel = await this.connect(first?.kind === 'persona' ? first.actor : null);
    if (!channel.ok) {
      const refused = channel.error.kind === 'remote_refused' || channel.error.kind === 'room_not_found';
      if (refused && channel.error.kind === 'remote_refused' && channel.error.code === 'room_ended') return this.close('room_ended');
      if (this.#retry > 20) return this.close('removed');
      setTimeout(() => void this.#reopen(), this.#nextDelay()).unref();
      return;
    }
    // Everyone here is announced again; the host's producers come through the new pipe.
    for (const m of this.#roster.all()) {
      const answer = await channel.value.request({ type: 'announce', participant: m.announce });
      if (!answer.ok) {
        this.#roster.remove(m, 'removed');
        continue;
      }
      // A speaker comes back as the host says (a listener, after the host lost the link).
      const role = (answer.value as { role?: Role }).role ?? 'listener';
      if (role !== m.role) await this.#roster.setRole(m, role);
      if (!canPublish(m.role)) continue;
      const producers = this.#media?.producers().filter((p) => p.peerId === m.local) ?? [];
      for (const p of producers) await this.#pipeOut(m, p.producerId);
    }
  }

  #armGrace(): void {
    if (this.#roster.size > 0 || this.#ended) return;
    clearTimeout(this.#grace);
    this.#grace = setTimeout(() => {
      if (this.#roster.size === 0) this.close('left');
    }, this.#deps.graceMs);
    this.#grace.unref();
  }
}
