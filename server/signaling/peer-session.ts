/**
 * One connected peer: parses and validates each message, applies the rate
 * limit, dispatches to the handler of its type, answers with the same id,
 * and relays the room's events. Bad input gets an error answer; only
 * repeated abuse closes the connection (4400, 4429).
 */
import type { Logger } from 'pino';
import type WebSocket from 'ws';
import type { JoinAnswer, LeaveReason, LiveRoomDirectory, LiveRoomHandle, ParticipantEvent, ParticipantLink, RoomOpError } from '../rooms/index.js';
import { err, ok, type Result } from '../core/result.js';
import { LEAVE_CODES } from './errors.js';
import { serverEventOf, type ServerEvent } from './events.js';
import { HANDLERS, type HandlerSession } from './handlers.js';
import { CLOSE_CODES, MAX_MESSAGE_BYTES, MESSAGE_TYPES, clientMessage, type Answer, type RequestId, type SignalError } from './protocol.js';
import { TokenBucket, type SignalLimits } from './rate-limit.js';
import type { Admission, AdmittedPeer } from './admission.js';

/** Who is on the other end: a persona of this instance, or an anonymous guest. */
export type PeerIdentity =
  | { kind: 'persona'; accountId: string; personaId: string; handle: string; displayName: string }
  | { kind: 'guest'; guestId: string };

/** What the session behind the connection acts as now: a persona id, null (no persona), or undefined (the session ended). */
export type CurrentIdentity = () => Promise<string | null | undefined>;

export interface PeerSessionDeps {
  rooms: LiveRoomDirectory;
  log: Logger;
  limits: SignalLimits;
  /** Re-reads the session of the upgrade request from the store. */
  current: CurrentIdentity;
  /** The client's address key (memory only, never logged). */
  clientKey: string;
  admission?: Admission;
}

export class PeerSession implements HandlerSession, AdmittedPeer {
  room: LiveRoomHandle | undefined;
  #link: ParticipantLink | undefined;
  readonly #bucket: TokenBucket;
  #invalid = 0;
  #limited = 0;
  #queue: Promise<void> = Promise.resolve();
  /** The identity no longer holds: nothing more is handled, the socket is closing. */
  #revoked = false;
  /**
   * Events of the room being joined, held until the join's answer is sent: a client learns the room (its
   * producers) from the answer and then its changes. Sent before the answer, a `producerAdded` for a producer
   * the answer missed would reach a client with nothing to consume it yet, and be lost.
   */
  #held: ServerEvent[] | undefined;

  constructor(
    private readonly ws: WebSocket,
    readonly identity: PeerIdentity,
    private readonly deps: PeerSessionDeps,
  ) {
    this.#bucket = new TokenBucket(deps.limits.burst, deps.limits.perSecond);
  }

  get participantId(): string {
    return this.identity.kind === 'persona' ? this.identity.personaId : this.identity.guestId;
  }

  get personaId(): string | null {
    return this.identity.kind === 'persona' ? this.identity.personaId : null;
  }

  get handle(): string | null {
    return this.identity.kind === 'persona' ? this.identity.handle : null;
  }

  get displayName(): string | null {
    return this.identity.kind === 'persona' ? this.identity.displayName : null;
  }

  get accountId(): string | null {
    return this.identity.kind === 'persona' ? this.identity.accountId : null;
  }

  get clientKey(): string {
    return this.deps.clientKey;
  }

  /** WebRTC transports this connection has open (or being opened) now. */
  transportCount(): number {
    return this.room?.media?.transportCount(this.participantId) ?? 0;
  }

  /** Whether one more transport is within this client's and the instance's limits. */
  admitTransport(onStage: boolean): Result<null, SignalError> {
    return this.deps.admission ? this.deps.admission.transport(this, onStage) : ok(null);
  }

  get revoked(): boolean {
    return this.#revoked;
  }

  /**
   * Whether the session still acts as this connection's persona (guests:
   * always). When not, the connection is revoked: it leaves its room at
   * once, handles nothing more, and is closed with a code saying why right
   * after the answer being prepared.
   */
  async stillValid(): Promise<boolean> {
    if (this.#revoked) return false;
    if (this.identity.kind === 'guest') return true;
    const now = await this.deps.current();
    if (now === this.identity.personaId) return true;
    if (now === undefined) await this.revoke(CLOSE_CODES.sessionEnded, 'session ended', true);
    else await this.revoke(CLOSE_CODES.personaChanged, 'the session acts as another persona', true);
    return false;
  }

  /**
   * Takes the identity away at once: out of the room, no further message
   * handled, the socket closed with `code` (after the current answer when
   * `afterAnswer`).
   */
  async revoke(code: number, reason: string, afterAnswer = false): Promise<void> {
    if (this.#revoked) return;
    this.#revoked = true;
    const close = (): void => {
      if (this.ws.readyState === this.ws.OPEN || this.ws.readyState === this.ws.CONNECTING) this.ws.close(code, reason);
    };
    if (afterAnswer) setImmediate(close);
    else close();
    await this.leave();
  }

  /** One raw frame from the socket. Requests of one peer run in order. */
  receive(data: Buffer, isBinary: boolean): void {
    if (this.#revoked) return;
    if (!this.#bucket.take()) {
      this.#answer({ id: null, ok: false, error: { code: 'rate_limited', message: 'slow down: too many messages' } });
      if (++this.#limited > this.deps.limits.maxRateLimited) this.ws.close(CLOSE_CODES.flood, 'flooding');
      return;
    }
    const parsed = this.#parse(data, isBinary);
    if (!parsed.ok) {
      this.#answer({ id: parsed.error.id, ok: false, error: parsed.error.error });
      if (++this.#invalid > this.deps.limits.maxInvalid) this.ws.close(CLOSE_CODES.protocolAbuse, 'too many invalid messages');
      return;
    }
    const msg = parsed.value;
    this.#queue = this.#queue.then(async () => {
      if (this.#revoked) return;
      let answer: Result<unknown, SignalError>;
      try {
        const handler = HANDLERS[msg.type] as (ctx: unknown, m: unknown) => Promise<Result<unknown, SignalError>>;
        answer = await handler({ session: this, rooms: this.deps.rooms }, msg);
      } catch (error) {
        this.deps.log.error({ err: error, type: msg.type }, 'signaling handler failed');
        answer = err({ code: 'internal', message: 'internal error' });
      }
      this.#answer(answer.ok ? { id: msg.id, ok: true, data: answer.value } : { id: msg.id, ok: false, error: answer.error });
      this.#release();
    });
  }

  #parse(data: Buffer, isBinary: boolean) {
    type Bad = { id: RequestId | null; error: SignalError };
    const bad = (id: RequestId | null, code: SignalError['code'], message: string): Result<never, Bad> => err({ id, error: { code, message } });
    if (data.length > MAX_MESSAGE_BYTES) return bad(null, 'too_large', `messages are at most ${MAX_MESSAGE_BYTES} bytes`);
    if (isBinary) return bad(null, 'bad_json', 'send text frames with JSON');
    let raw: unknown;
    try {
      raw = JSON.parse(data.toString('utf8'));
    } catch {
      return bad(null, 'bad_json', 'the message is not JSON');
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return bad(null, 'invalid_message', 'a message is a JSON object');
    const { id, type } = raw as { id?: unknown; type?: unknown };
    const readableId = (typeof id === 'string' && id.length <= 64) || (typeof id === 'number' && Number.isSafeInteger(id)) ? id : null;
    if (typeof type !== 'string' || !MESSAGE_TYPES.has(type)) return bad(readableId, 'unknown_type', 'unknown message type');
    const checked = clientMessage.safeParse(raw);
    if (!checked.success) {
      const issue = checked.error.issues[0];
      const where = issue && issue.path.length > 0 ? `${issue.path.map(String).join('.')}: ` : '';
      return bad(readableId, 'invalid_message', `${where}${issue?.message ?? 'invalid message'}`);
    }
    return ok(checked.data);
  }

  async join(room: LiveRoomHandle, hidden: boolean): Promise<Result<JoinAnswer, RoomOpError>> {
    const link: ParticipantLink = {
      send: (event: ParticipantEvent) => this.#event(serverEventOf(event)),
      departed: (reason: LeaveReason) => {
        if (this.#link !== link) return;
        this.room = undefined;
        this.#link = undefined;
        this.#event({ event: 'left', data: { roomId: room.id, reason: LEAVE_CODES[reason] } });
      },
    };
    this.#held = [];
    this.room = room;
    this.#link = link;
    const joined = await room.join(
      { id: this.participantId, kind: this.identity.kind, handle: this.handle, displayName: this.displayName, hidden },
      link,
    );
    if (!joined.ok && this.#link === link) {
      this.room = undefined;
      this.#link = undefined;
    }
    // Revoked while joining: the room must not keep the old identity.
    if (joined.ok && this.#revoked) await this.leave();
    return joined;
  }

  async leave(): Promise<void> {
    const room = this.room;
    const link = this.#link;
    this.room = undefined;
    this.#link = undefined;
    if (room && link) await room.leave(this.participantId, link);
  }

  #answer(answer: Answer): void {
    this.#send(answer);
  }

  /** A room event: sent now, or after the answer when a join is under way. */
  #event(event: ServerEvent): void {
    if (this.#held) this.#held.push(event);
    else this.#send(event);
  }

  /** The answer went out: the events held meanwhile follow it, in order. */
  #release(): void {
    const held = this.#held;
    this.#held = undefined;
    for (const event of held ?? []) this.#send(event);
  }

  #send(message: unknown): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(JSON.stringify(message));
  }
}
