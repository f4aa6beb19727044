/**
 * One handler per message type (a map, not a switch): each takes the peer's
 * session and the validated message and answers a Result.
 */
import type { types } from 'mediasoup';
import type { MediaOpError } from '../../media/index.js';
import { err, ok, type Result } from '../core/result.js';
import { AUDIENCE_PAGE_MAX, canPublish, type LiveRoomDirectory, type LiveRoomHandle, type RoomOpError, type SelfCommand, type TargetCommand } from '../rooms/index.js';
import { signalErrorOf } from './errors.js';
import type { ClientMessage, MessageType, SignalError } from './protocol.js';

/** What a handler may use of the peer's session. */
export interface HandlerSession {
  readonly participantId: string;
  readonly personaId: string | null;
  readonly handle: string | null;
  readonly displayName: string | null;
  /** The room this peer is in, if any. */
  room: LiveRoomHandle | undefined;
  /** Whether one more transport is within this client's and the instance's limits. */
  admitTransport(onStage: boolean): Result<null, SignalError>;
  /** Re-checks the session behind the connection; false: it no longer holds (the connection is being closed). */
  stillValid(): Promise<boolean>;
  /** Joins `room` as this peer. */
  join(room: LiveRoomHandle, hidden: boolean): Promise<Result<unknown, RoomOpError>>;
  leave(): Promise<void>;
}

export interface HandlerContext {
  session: HandlerSession;
  rooms: LiveRoomDirectory;
}

type Answer = Result<unknown, SignalError>;
type Handler<K extends MessageType> = (ctx: HandlerContext, msg: Extract<ClientMessage, { type: K }>) => Promise<Answer>;
export type Handlers = { [K in MessageType]: Handler<K> };

const fromRoom = <T>(r: Result<T, RoomOpError>): Answer => (r.ok ? ok(r.value) : err(signalErrorOf(r.error)));
const notJoined = (): Answer => err({ code: 'not_joined', message: 'join a room first' });

/** A stage command of the session's participant on itself. */
function selfOp(type: SelfCommand) {
  return async (ctx: HandlerContext): Promise<Answer> => {
    const room = ctx.session.room;
    if (!room) return notJoined();
    return fromRoom(await room.command(ctx.session.participantId, { type }));
  };
}

/** A stage command of the session's participant on another one. */
function targetOp(type: TargetCommand) {
  return async (ctx: HandlerContext, msg: { participantId: string }): Promise<Answer> => {
    const room = ctx.session.room;
    if (!room) return notJoined();
    return fromRoom(await room.command(ctx.session.participantId, { type, target: msg.participantId }));
  };
}

/** A media operation, after the grant was checked for `need`. */
function mediaOp<M extends { grant: string }>(
  need: 'publish' | 'subscribe' | 'any',
  run: (room: LiveRoomHandle, media: NonNullable<LiveRoomHandle['media']>, me: string, msg: M, ctx: HandlerContext) => Promise<Answer>,
) {
  return async (ctx: HandlerContext, msg: M): Promise<Answer> => {
    const room = ctx.session.room;
    if (!room) return notJoined();
    const allowed = await room.authorize(ctx.session.participantId, msg.grant, need);
    if (!allowed.ok) return fromRoom(allowed);
    return run(room, allowed.value.media, ctx.session.participantId, msg, ctx);
  };
}
const media = <T>(r: Result<T, MediaOpError>): Answer =>
  r.ok ? ok(r.value) : err(signalErrorOf({ kind: 'media', error: r.error }));

export const HANDLERS: Handlers = {
  async join(ctx, msg) {
    if (ctx.session.room) return err({ code: 'already_joined', message: 'leave the current room first' });
    // The identity was fixed at the upgrade: make sure the session still stands behind it.
    if (!(await ctx.session.stillValid())) return err({ code: 'session_ended', message: 'your session ended or changed; reconnect' });
    const viewer = { personaId: ctx.session.personaId };
    const room = await ctx.rooms.openForJoin(msg.roomId, viewer);
    if (!room.ok) return fromRoom(room);
    if (viewer.personaId && (await ctx.rooms.isBanned(msg.roomId, viewer.personaId))) {
      return err(signalErrorOf({ kind: 'stage', error: 'banned' }));
    }
    const joined = await ctx.session.join(room.value, msg.hidden ?? false);
    if (!joined.ok) return fromRoom(joined);
    // An invitation revoked (or the room hidden) while the join was under way
    // must not leave the persona inside: check again now that it is present.
    const still = await ctx.rooms.openForJoin(msg.roomId, viewer);
    if (!still.ok) {
      await ctx.session.leave();
      return fromRoom(still);
    }
    return fromRoom(joined);
  },
  async leave(ctx) {
    if (!ctx.session.room) return notJoined();
    await ctx.session.leave();
    return ok(null);
  },
  ping: () => Promise.resolve(ok({ pong: true })),
  async audience(ctx, msg) {
    const room = ctx.session.room;
    if (!room) return notJoined();
    return fromRoom(await room.audiencePage(ctx.session.participantId, msg.offset ?? 0, msg.limit ?? AUDIENCE_PAGE_MAX));
  },
  raiseHand: selfOp('raiseHand'),
  lowerHand: selfOp('lowerHand'),
  acceptInvite: selfOp('acceptInvite'),
  declineInvite: selfOp('declineInvite'),
  unmute: selfOp('unmute'),
  invite: targetOp('invite'),
  moveToAudience: targetOp('moveToAudience'),
  mute: targetOp('mute'),
  allowUnmute: targetOp('allowUnmute'),
  remove: targetOp('remove'),
  ban: targetOp('ban'),
  promote: targetOp('promote'),
  demote: targetOp('demote'),
  endRoom: selfOp('end'),
  async refreshGrant(ctx) {
    const room = ctx.session.room;
    if (!room) return notJoined();
    // A grant outlives no lost right (a block, an unfollow, a revoked invitation).
    if (!(await ctx.rooms.ensureAccess(room, ctx.session.personaId))) return notJoined();
    return fromRoom(await room.refreshGrant(ctx.session.participantId));
  },
  createTransport: mediaOp('any', async (room, m, me, _msg, ctx) => {
    if (!(await ctx.rooms.ensureAccess(room, ctx.session.personaId))) return notJoined();
    const role = room.roleOf(me);
    const admitted = ctx.session.admitTransport(role !== undefined && canPublish(role));
    if (!admitted.ok) return admitted;
    return media(await m.createTransport(me));
  }),
  connectTransport: mediaOp('any', async (_room, m, me, msg: Extract<ClientMessage, { type: 'connectTransport' }>) =>
    media(await m.connectTransport(me, msg.transportId, msg.dtlsParameters as unknown as types.DtlsParameters))),
  restartIce: mediaOp('any', async (_room, m, me, msg: Extract<ClientMessage, { type: 'restartIce' }>) =>
    media(await m.restartIce(me, msg.transportId))),
  produce: mediaOp('publish', async (room, m, me, msg: Extract<ClientMessage, { type: 'produce' }>) => {
    const produced = await m.produce(me, msg.transportId, msg.rtpParameters as unknown as types.RtpParameters, msg.paused ?? false);
    if (produced.ok) await room.afterProduce(me);
    return media(produced);
  }),
  consume: mediaOp('subscribe', async (_room, m, me, msg: Extract<ClientMessage, { type: 'consume' }>) =>
    media(await m.consume(me, msg.transportId, msg.producerId, msg.rtpCapabilities as unknown as types.RtpCapabilities))),
  resumeConsumer: mediaOp('subscribe', async (_room, m, me, msg: Extract<ClientMessage, { type: 'resumeConsumer' }>) =>
    media(await m.resumeConsumer(me, msg.consumerId))),
  listProducers: mediaOp('subscribe', (_room, m) =>
    Promise.resolve(ok({ producers: m.producers().map((p) => ({ producerId: p.producerId, participantId: p.peerId })) }))),
};
