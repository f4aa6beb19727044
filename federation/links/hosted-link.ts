/**
 * The host's side of one cascade link (one room, one linking instance): the
 * pipe, the control channel, and the linked instance's participants, each
 * in the room as a participant whose link is this channel. Producers of the
 * room (except those that came over this link) are sent into the pipe once;
 * what the linked instance's speakers send is produced on the pipe only for
 * participants it announced who are on stage. The host stays authoritative:
 * every action is checked here, against the room's own stage.
 */
import type { Logger } from 'pino';
import type WebSocket from 'ws';
import type { CascadePipe, RoomMedia } from '../../media/index.js';
import { canPublish, type LeaveReason, type LiveRoom, type ParticipantEvent, type ParticipantLink, type StageCommand } from '../../server/rooms/index.js';
import { err, ok, type Result } from '../../server/core/result.js';
import { backlogged, watchLiveness } from './heartbeat.js';
import { LINK_CLOSE_CODES, linkMessage, type LinkAction, type LinkCloseReason, type LinkErrorCode, type LinkMessage } from './link-protocol.js';

/** What a link asks of the rooms (and of federation for remote actors). */
export interface HostedLinkRooms {
  isBanned(roomId: string, subject: string): Promise<boolean>;
  /** Whether `actorId` may be in the room (followers-only: follows the host). */
  mayEnter(room: LiveRoom, actorId: string): Promise<boolean>;
  /** `name@host` of a remote actor, or null when unknown. */
  handleOf(actorId: string): Promise<string | null>;
}

export interface HostedLinkDeps {
  id: string;
  /** Origin of the linked instance (`https://b.example`). */
  origin: string;
  room: LiveRoom;
  media: RoomMedia;
  pipe: CascadePipe;
  rooms: HostedLinkRooms;
  log: Logger;
  onClose(link: HostedLink, reason: LinkCloseReason): void;
}

type Answer = Result<unknown, { code: LinkErrorCode; message: string }>;
const fail = (code: LinkErrorCode, message: string): Answer => err({ code, message });

const SELF_ACTIONS: ReadonlySet<LinkAction> = new Set(['raiseHand', 'lowerHand', 'acceptInvite', 'declineInvite', 'unmute', 'end']);
/** Participant events the linked instance has no use for: it learns producers from its own pipe. */
const NOT_RELAYED: ReadonlySet<ParticipantEvent['kind']> = new Set(['producerAdded', 'producerClosed', 'mediaMoved']);

export class HostedLink {
  readonly #deps: HostedLinkDeps;
  readonly #participants = new Map<string, ParticipantLink>();
  #ws: WebSocket | undefined;
  #closed = false;
  readonly #onProducer = ({ peerId, producerId }: { peerId: string; producerId: string }): void => {
    if (!this.#participants.has(peerId)) void this.#sendProducer(peerId, producerId);
  };
  readonly #onMediaClose = (): void => this.close(this.#deps.room.ended ? 'room_ended' : 'media_lost');
  /** The pipe lives on the room's origin router: when that router's worker dies, the linked instance links anew. */
  readonly #onRouterLost = ({ origin }: { origin: boolean }): void => {
    if (origin) this.close('media_lost');
  };

  constructor(deps: HostedLinkDeps) {
    this.#deps = deps;
    deps.pipe.onSendEnded((producerId) => this.#emit({ event: 'producerClosed', data: { producerId } }));
    deps.pipe.onSendPaused((producerId, paused) => this.#emit({ event: 'producerPaused', data: { producerId, paused } }));
  }

  get id(): string {
    return this.#deps.id;
  }

  get origin(): string {
    return this.#deps.origin;
  }

  get roomId(): string {
    return this.#deps.room.id;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Producers sent into this link's pipe (one per producer of the room). */
  get pipedCount(): number {
    return this.#deps.pipe.sentCount;
  }

  /** Participants in the room through this link. */
  participantIds(): string[] {
    return [...this.#participants.keys()];
  }

  /** The control channel opened: the room's producers start flowing. */
  attach(ws: WebSocket): void {
    if (this.#closed || this.#ws) {
      ws.close(LINK_CLOSE_CODES.refused, 'refused');
      return;
    }
    this.#ws = ws;
    ws.on('message', (data: Buffer, isBinary: boolean) => void this.#receive(data, isBinary));
    ws.on('close', () => this.close('link_idle'));
    ws.on('error', () => undefined);
    // A linked instance that stalls keeps its connection open: it is found by the heartbeat.
    watchLiveness(ws, () => this.#unresponsive());
    const { media } = this.#deps;
    media.on('producerAdded', this.#onProducer);
    media.once('close', this.#onMediaClose);
    media.on('routerLost', this.#onRouterLost);
    for (const { peerId, producerId } of media.producers()) this.#onProducer({ peerId, producerId });
  }

  /** Closes the link: its participants leave the room, its pipe closes (and every producer it carried). */
  close(reason: LinkCloseReason): void {
    if (this.#closed) return;
    this.#closed = true;
    const { media, room, pipe } = this.#deps;
    media.off('producerAdded', this.#onProducer);
    media.off('close', this.#onMediaClose);
    media.off('routerLost', this.#onRouterLost);
    const leaving = [...this.#participants];
    this.#participants.clear();
    for (const [id, link] of leaving) void room.leave(id, link);
    pipe.close();
    this.#emit({ event: 'closed', data: { reason } });
    if (this.#ws && this.#ws.readyState <= 1) this.#ws.close(LINK_CLOSE_CODES[reason], reason);
    this.#deps.log.info({ link: this.id, roomId: room.id, origin: this.origin, reason }, 'cascade link closed');
    this.#deps.onClose(this, reason);
  }

  /** Removes every participant of this link from the room with `reason` (moderation), then closes it. */
  async removeAll(reason: LeaveReason, close: LinkCloseReason): Promise<void> {
    for (const id of [...this.#participants.keys()]) await this.#deps.room.apply((stage) => stage.leave(id, reason));
    this.close(close);
  }

  /** The linked instance stopped answering pings or reading: its link goes, nobody else's. */
  #unresponsive(): void {
    this.close('unresponsive');
    this.#ws?.terminate();
  }

  async #sendProducer(peerId: string, producerId: string): Promise<void> {
    const before = this.#deps.pipe.sentCount;
    const piped = await this.#deps.pipe.send(producerId);
    if (!piped.ok) return;
    if (this.#deps.pipe.sentCount > before) this.#deps.log.info({ link: this.id, roomId: this.roomId, producerId }, 'producer piped to a linked instance');
    this.#emit({ event: 'producer', data: { participantId: peerId, producer: piped.value } });
  }

  async #receive(data: Buffer, isBinary: boolean): Promise<void> {
    let id: unknown = null;
    let answer: Answer;
    try {
      const raw = isBinary ? undefined : (JSON.parse(data.toString('utf8')) as unknown);
      id = typeof raw === 'object' && raw !== null ? (raw as { id?: unknown }).id ?? null : null;
      const parsed = linkMessage.safeParse(raw);
      answer = parsed.success ? await this.#handle(parsed.data) : fail('invalid_message', parsed.error.issues[0]?.message ?? 'invalid message');
    } catch (e) {
      if (e instanceof SyntaxError) answer = fail('invalid_message', 'the message is not JSON');
      else {
        this.#deps.log.error({ err: e, link: this.id }, 'a cascade control message failed');
        answer = fail('invalid_message', 'the message could not be handled');
      }
    }
    this.#send(answer.ok ? { id, ok: true, data: answer.value } : { id, ok: false, error: answer.error });
  }

  async #handle(msg: LinkMessage): Promise<Answer> {
    const { room } = this.#deps;
    if (msg.type === 'ping') return ok({ pong: true });
    if (room.ended) return fail('room_ended', 'the room has ended');
    if (msg.type === 'announce') return this.#announce(msg.participant);
    // Everything else acts for a participant this link announced, never for anyone else's.
    const link = this.#participants.get(msg.participantId);
    if (!link) {
      return room.stage.participant(msg.participantId)
        ? fail('not_from_this_link', 'this participant did not join through your link')
        : fail('not_announced', 'announce the participant first');
    }
    switch (msg.type) {
      case 'depart':
        this.#participants.delete(msg.participantId);
        await room.leave(msg.participantId, link);
        return ok(null);
      case 'act':
        return this.#act(msg.participantId, msg.action, msg.target);
      case 'produce': {
        const p = room.stage.participant(msg.participantId);
        if (!p || !canPublish(p.role)) return fail('not_allowed', 'only a participant on stage may speak');
        // A muted speaker's producer starts paused here, whatever the linked instance says (after
        // a reconnect it may pipe it unpaused before our state reached it): never audible, not even briefly.
        const produced = await this.#deps.pipe.receive(msg.participantId, msg.producer as Parameters<CascadePipe['receive']>[1], p.muted);
        if (!produced.ok) return fail('bad_parameters', `the producer was refused: ${produced.error}`);
        // Muted while the producer was being created.
        await room.afterProduce(msg.participantId);
        return ok({ producerId: produced.value.id });
      }
      case 'audience': {
        const page = await room.audiencePage(msg.participantId, msg.offset, msg.limit);
        return page.ok ? ok(page.value) : fail('stage', page.error.kind === 'stage' ? page.error.error : page.error.kind);
      }
      case 'unproduce':
        if (this.#deps.media.producerOwner(msg.producerId) !== msg.participantId) return fail('not_allowed', 'not a producer of this participant');
        this.#deps.pipe.stopReceiving(msg.producerId);
        return ok(null);
    }
  }

  async #announce(p: Extract<LinkMessage, { type: 'announce' }>['participant']): Promise<Answer> {
    const { room, rooms } = this.#deps;
    let arrival;
    if (p.kind === 'persona') {
      // A persona of a third instance cannot come in through this instance's link.
      if (new URL(p.actor).origin !== this.origin) return fail('not_from_this_link', 'the persona is not on your instance');
      if (room.stage.isBanned(p.actor) || (await rooms.isBanned(room.id, p.actor))) return fail('banned', 'this persona is banned from the room');
      if (!(await rooms.mayEnter(room, p.actor))) return fail('not_a_follower', 'this room is for followers of its host');
      const handle = (await rooms.handleOf(p.actor)) ?? p.actor;
      arrival = { id: p.actor, kind: 'persona' as const, handle, displayName: p.displayName, hidden: p.hidden };
    } else {
      if (room.record.visibility !== 'public') return fail('not_allowed', 'guests may only join public rooms');
      arrival = { id: `guest:${new URL(this.origin).host}:${p.ref}`, kind: 'guest' as const, handle: null, displayName: null, hidden: true };
    }
    const participantId = arrival.id;
    const link: ParticipantLink = {
      send: (event) => {
        if (!NOT_RELAYED.has(event.kind)) this.#emit({ event: 'to', data: { participantId, payload: event } });
      },
      departed: (reason) => {
        if (this.#participants.get(participantId) !== link) return;
        this.#participants.delete(participantId);
        this.#emit({ event: 'departed', data: { participantId, reason } });
      },
    };
    this.#participants.set(participantId, link);
    const joined = await room.join(arrival, link);
    if (!joined.ok) {
      this.#participants.delete(participantId);
      return fail(joined.error.kind === 'stage' ? 'stage' : 'media_unavailable', joined.error.kind === 'stage' ? joined.error.error : 'the room cannot be joined now');
    }
    return ok({ participantId, role: joined.value.grant.role, room: joined.value.room });
  }

  async #act(participantId: string, action: LinkAction, target: string | undefined): Promise<Answer> {
    const { room } = this.#deps;
    let command: StageCommand;
    if (SELF_ACTIONS.has(action)) command = { type: action as Extract<StageCommand, { target?: never }>['type'] };
    else if (target === undefined) return fail('invalid_message', 'this action needs a target');
    else command = { type: action as Extract<StageCommand, { target: string }>['type'], target };
    // The same door as a local participant: the stage checks the moderator rules, the service ends the room.
    const done = await room.command(participantId, command);
    if (!done.ok) return fail('stage', done.error.kind === 'stage' ? done.error.error : done.error.kind);
    return ok(null);
  }

  #emit(event: { event: string; data: unknown }): void {
    this.#send(event);
  }

  #send(message: unknown): void {
    if (!this.#ws || this.#ws.readyState !== 1) return;
    if (backlogged(this.#ws)) {
      if (!this.#closed) this.#unresponsive();
      return;
    }
    this.#ws.send(JSON.stringify(message));
  }
}
