/**
 * A live room: its stage (the pure state machine), the connected
 * participants' links, its media (through the registry's per-room queue) and
 * its idle timer. It turns what the stage answers into effects: new grants,
 * closed or paused producers, departures, and a broadcast of the new state to
 * everyone in the room.
 */
import type { Logger } from 'pino';
import type { RoomMedia, RoomMediaRegistry } from '../../media/index.js';
import { assertNever, err, ok, type Result } from '../core/result.js';
import type { RoomRecord } from '../store/index.js';
import type { RoomOpError } from './errors.js';
import type { Grant, GrantIssuer } from './grants.js';
import type { GrantView, JoinAnswer, LiveRoomHandle, ParticipantEvent, ParticipantLink, RoomState, StageCommand } from './ports.js';
import { canPublish, participantHost, RoomStage, type Arrival, type AudiencePage, type LeaveReason, type Role, type StageChange, type StageError } from './stage.js';

export interface LiveRoomDeps {
  registry: RoomMediaRegistry;
  grants: GrantIssuer;
  log: Logger;
  idleMs: number;
  /** Nobody was in the room for idleMs. */
  onIdle(room: LiveRoom): void;
  /** A persona was banned (the service persists it). */
  onBan(room: LiveRoom, participantId: string): void;
  /** Who is in the room or on stage changed (federation announces it, coalesced). */
  onChange?(room: LiveRoom): void;
  /** A moderator ended the room from inside (the `end` command): the service ends it for good. */
  onEnded(room: LiveRoom, reason: LeaveReason): Promise<void>;
  /** Instances whose people may listen but not take the stage (limited by moderators); none without it. */
  stageRefused?(host: string): boolean;
  /** Least time between two broadcasts of the room's state (default: {@link stateIntervalMs} of its size). */
  stateIntervalMs?: number;
}

/**
 * Least time between two broadcasts of a room's state: a change is sent at
 * once when none went out in the last interval, later ones within it are
 * folded into one broadcast at its end (ADR 0036). The interval grows with
 * the room (a quarter of a millisecond per participant), from
 * {@link STATE_INTERVAL_MIN_MS} (small rooms: stage changes reach everyone
 * within a tenth of a second) to {@link STATE_INTERVAL_MAX_MS}: at most ten
 * broadcasts per second per room, two in the largest, however many join.
 */
export const STATE_INTERVAL_MIN_MS = 100;
export const STATE_INTERVAL_MAX_MS = 500;

/** The broadcast interval of a room of `size` participants. */
export function stateIntervalMs(size: number): number {
  return Math.min(STATE_INTERVAL_MAX_MS, Math.max(STATE_INTERVAL_MIN_MS, Math.round(size / 4)));
}

/** How long a room whose every media worker died waits for a replacement worker. */
const RECOVER_WAIT_MS = 60_000;

export class LiveRoom implements LiveRoomHandle {
  readonly stage: RoomStage;
  readonly #links = new Map<string, ParticipantLink>();
  readonly #deps: LiveRoomDeps;
  readonly #log: Logger;
  #idle: NodeJS.Timeout | undefined;
  #media: RoomMedia | undefined;
  /** The coalesced broadcast (see {@link stateIntervalMs}): its timer, and whether a change waits for it. */
  #flushTimer: NodeJS.Timeout | undefined;
  #dirty = false;
  /** What the last broadcast carried: the shared part (counts aside), the counts, and each participant's own part. */
  #sentShared: string | undefined;
  #sentCounts: string | undefined;
  readonly #sentOwn = new Map<string, string>();

  constructor(readonly record: RoomRecord, deps: LiveRoomDeps) {
    this.stage = new RoomStage(record.hostPersonaId, record.maxSpeakers);
    this.#deps = deps;
    this.#log = deps.log.child({ room: record.id });
    this.#armIdle();
  }

  get id(): string {
    return this.record.id;
  }

  get ended(): boolean {
    return this.stage.ended;
  }

  /** The room's current media (tests, metrics). */
  get media(): RoomMedia | undefined {
    return this.#media;
  }

  roleOf(participantId: string): Role | undefined {
    return this.stage.participant(participantId)?.role;
  }

  async join(arrival: Arrival, link: ParticipantLink): Promise<Result<JoinAnswer, RoomOpError>> {
    const media = await this.#ensureMedia();
    if (!media.ok) return media;
    const joined = this.stage.join(arrival);
    if (!joined.ok) return err({ kind: 'stage', error: joined.error });
    clearTimeout(this.#idle);
    this.#idle = undefined;
    const previous = this.#links.get(arrival.id);
    this.#links.set(arrival.id, link);
    this.#sentOwn.delete(arrival.id);
    if (previous) {
      media.value.closePeer(arrival.id);
      previous.departed('replaced');
    }
    const grant = await this.#grant(arrival.id);
    await this.#effects({ ...joined.value.change, departed: [] });
    return ok({
      participantId: arrival.id,
      grant,
      routerRtpCapabilities: media.value.rtpCapabilities,
      room: this.#snapshot(arrival.id),
      producers: media.value.producers().map((p) => ({ producerId: p.producerId, participantId: p.peerId })),
    });
  }

  /** The participant's connection went away (or it asked to leave). Ignored for a replaced link. */
  async leave(participantId: string, link: ParticipantLink): Promise<void> {
    if (this.#links.get(participantId) !== link) return;
    this.#links.delete(participantId);
    this.#sentOwn.delete(participantId);
    this.#media?.closePeer(participantId);
    const left = this.stage.leave(participantId, 'left');
    if (left.ok) await this.#effects({ ...left.value, departed: [] });
    this.#armIdle();
  }

  /** Applies a participant's stage command; moderator rules are the stage's. */
  async command(by: string, command: StageCommand): Promise<Result<null, RoomOpError>> {
    if (!('target' in command)) {
      const type = command.type;
      if (type === 'end') return this.#endBy(by);
      if (type === 'acceptInvite' && this.#limited(by)) return err({ kind: 'stage', error: 'instance_limited' });
      return this.apply((stage) => {
        switch (type) {
          case 'raiseHand': return stage.raiseHand(by);
          case 'lowerHand': return stage.lowerHand(by);
          case 'acceptInvite': return stage.acceptInvite(by);
          case 'declineInvite': return stage.declineInvite(by);
          case 'unmute': return stage.unmute(by);
          default: return assertNever(type);
        }
      });
    }
    const { type, target } = command;
    if (type === 'invite' && this.#limited(target)) return err({ kind: 'stage', error: 'instance_limited' });
    return this.apply((stage) => {
      switch (type) {
        case 'invite': return stage.invite(by, target);
        case 'moveToAudience': return stage.moveToAudience(by, target);
        case 'mute': return stage.mute(by, target);
        case 'allowUnmute': return stage.allowUnmute(by, target);
        case 'remove': return stage.remove(by, target);
        case 'ban': return stage.ban(by, target);
        case 'promote': return stage.promote(by, target);
        case 'demote': return stage.demote(by, target);
        default: return assertNever(type);
      }
    });
  }

  /** Whether the participant comes from an instance whose people may not take the stage. */
  #limited(participantId: string): boolean {
    const p = this.stage.participant(participantId);
    const host = p ? participantHost(p) : null;
    return host !== null && (this.#deps.stageRefused?.(host) ?? false);
  }

  /** A host or moderator ends the room: everyone departs, then the service ends it for good. */
  async #endBy(by: string): Promise<Result<null, RoomOpError>> {
    const ended = this.stage.end(by);
    if (!ended.ok) return err({ kind: 'stage', error: ended.error });
    await this.#effects(ended.value);
    await this.#deps.onEnded(this, 'room_ended');
    return ok(null);
  }

  /** Runs a stage operation and applies its effects (the service's own operations). */
  async apply(op: (stage: RoomStage) => Result<StageChange, StageError>): Promise<Result<null, RoomOpError>> {
    const result = op(this.stage);
    if (!result.ok) return err({ kind: 'stage', error: result.error });
    await this.#effects(result.value);
    return ok(null);
  }

  /** A page of the audience, for a participant of this room. */
  audiencePage(participantId: string, offset: number, limit: number): Promise<Result<AudiencePage, RoomOpError>> {
    if (!this.stage.participant(participantId)) return Promise.resolve(err({ kind: 'stage', error: 'not_in_room' }));
    return Promise.resolve(ok(this.stage.audiencePage(offset, limit)));
  }

  /** Ends the room for everyone and closes its media. */
  async end(reason: LeaveReason): Promise<void> {
    clearTimeout(this.#idle);
    this.#idle = undefined;
    clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
    if (!this.stage.ended) await this.#effects(this.stage.close(reason));
    await this.#deps.registry.close(this.id);
    this.#media = undefined;
  }

  /** A fresh grant for a participant still in the room. */
  async refreshGrant(participantId: string): Promise<Result<GrantView, RoomOpError>> {
    if (!this.stage.participant(participantId)) return err({ kind: 'stage', error: 'not_in_room' });
    return ok(await this.#grant(participantId));
  }

  /**
   * Checks a grant for a media operation: valid, this room's, this
   * participant's, and (for publishing) both the grant and the live role allow it.
   */
  async authorize(participantId: string, token: string, need: 'publish' | 'subscribe' | 'any'): Promise<Result<{ grant: Grant; media: RoomMedia }, RoomOpError>> {
    const checked = await this.#deps.grants.verify(token, { roomId: this.id, participantId });
    if (!checked.ok) return err({ kind: 'grant', error: checked.error });
    const p = this.stage.participant(participantId);
    if (!p) return err({ kind: 'stage', error: 'not_in_room' });
    if (need === 'publish' && (!checked.value.canPublish || !canPublish(p.role))) return err({ kind: 'stage', error: 'not_allowed' });
    if (need === 'subscribe' && !checked.value.canSubscribe) return err({ kind: 'stage', error: 'not_allowed' });
    const media = this.#media;
    if (!media || media.closed) return err({ kind: 'media_unavailable' });
    return ok({ grant: checked.value, media });
  }

  /** After a producer was created: a producer of a muted speaker starts paused server-side. */
  async afterProduce(participantId: string): Promise<void> {
    const p = this.stage.participant(participantId);
    if (p?.muted) await this.#media?.setPaused(participantId, true);
  }

  /** Cascade integration: the room's media, created if needed (a link may arrive before anyone joined here). */
  openMedia(): Promise<Result<RoomMedia, RoomOpError>> {
    return this.#ensureMedia();
  }

  async #ensureMedia(): Promise<Result<RoomMedia, RoomOpError>> {
    const got = await this.#deps.registry.getOrCreate(this.id);
    if (!got.ok) return err({ kind: 'media_unavailable' });
    if (got.value.created || this.#media !== got.value.media) this.#watch(got.value.media);
    return ok(got.value.media);
  }

  #watch(media: RoomMedia): void {
    this.#media = media;
    media.on('producerAdded', ({ peerId, producerId }) => this.#broadcast({ kind: 'producerAdded', producerId, participantId: peerId }, peerId));
    media.on('producerClosed', ({ peerId, producerId }) => this.#broadcast({ kind: 'producerClosed', producerId, participantId: peerId }, peerId));
    media.on('activeSpeaker', ({ peerId }) => this.#broadcast({ kind: 'activeSpeaker', participantId: peerId }));
    // One router of a spread room died: only the participants placed there reconnect (ADR 0040).
    media.on('routerLost', ({ peerIds }) => {
      const moved: ParticipantEvent = { kind: 'mediaMoved', reason: 'worker_died', routerRtpCapabilities: media.rtpCapabilities };
      for (const id of peerIds) this.#links.get(id)?.send(moved);
    });
    media.once('close', (reason) => {
      if (reason !== 'worker_died' || this.stage.ended || this.#media !== media) return;
      this.#log.warn('room media lost with its worker; moving the room to a live worker');
      this.#recover().catch((e: unknown) => this.#log.error({ err: e }, 'moving the room to a live worker failed'));
    });
  }

  /**
   * The worker died: a new router on a live worker, and every client is told
   * to reconnect its transports. When every worker died at once, it waits
   * (bounded) for the pool's replacements (ADR 0041).
   */
  async #recover(): Promise<void> {
    this.#media = undefined;
    const deadline = Date.now() + RECOVER_WAIT_MS;
    let media = await this.#ensureMedia();
    // Each turn waits for a worker to come up; false: the wait timed out or the pool closed.
    while (!media.ok && !this.stage.ended && (await this.#deps.registry.whenWorkerAlive(deadline - Date.now()))) {
      media = await this.#ensureMedia();
    }
    if (this.stage.ended) return;
    if (!media.ok) {
      this.#log.error({ waitedMs: RECOVER_WAIT_MS }, 'no live media worker to move the room to');
      return;
    }
    this.#broadcast({ kind: 'mediaMoved', reason: 'worker_died', routerRtpCapabilities: media.value.rtpCapabilities });
  }

  async #grant(participantId: string): Promise<GrantView> {
    const p = this.stage.participant(participantId);
    const role: Role = p?.role ?? 'listener';
    const { token, grant } = await this.#deps.grants.issue({
      roomId: this.id, participantId, role, canPublish: canPublish(role), canSubscribe: true,
    });
    return { token, role, canPublish: grant.canPublish, canSubscribe: grant.canSubscribe, expiresAt: grant.exp };
  }

  async #effects(change: StageChange): Promise<void> {
    for (const { id, reason } of change.departed) {
      const link = this.#links.get(id);
      this.#links.delete(id);
      this.#sentOwn.delete(id);
      this.#media?.closePeer(id);
      if (reason === 'banned') this.#deps.onBan(this, id);
      link?.departed(reason);
    }
    for (const id of change.publishChanged) {
      const p = this.stage.participant(id);
      if (!p) continue;
      if (!canPublish(p.role)) this.#media?.closeProducer(id);
      this.#links.get(id)?.send({ kind: 'grant', grant: await this.#grant(id) });
    }
    for (const id of change.muteChanged) {
      const p = this.stage.participant(id);
      if (p) await this.#media?.setPaused(id, p.muted);
    }
    if (change.invited) this.#links.get(change.invited)?.send({ kind: 'invited', roomId: this.id });
    this.#stateChanged();
    this.#armIdle();
    if (!this.stage.ended) this.#deps.onChange?.(this);
  }

  /** The state changed: broadcast now if the last broadcast is an interval old, else once at the interval's end. */
  #stateChanged(): void {
    if (this.stage.ended) return;
    this.#dirty = true;
    if (this.#flushTimer) return;
    this.#flush();
    const tick = (): void => {
      this.#flushTimer = undefined;
      if (!this.#dirty || this.stage.ended) return;
      this.#flush();
      this.#flushTimer = setTimeout(tick, this.#deps.stateIntervalMs ?? stateIntervalMs(this.#links.size));
      this.#flushTimer.unref();
    };
    this.#flushTimer = setTimeout(tick, this.#deps.stateIntervalMs ?? stateIntervalMs(this.#links.size));
    this.#flushTimer.unref();
  }

  /**
   * One broadcast: the shared view is computed once; each participant gets
   * the full state only when something it sees changed (the stage, the
   * audience's head, its own part), else just the counts when those moved,
   * else nothing. So a listener far down a big audience gets a few dozen
   * bytes per broadcast, not the whole room.
   */
  #flush(): void {
    this.#dirty = false;
    const view = this.stage.view();
    const { listenerCount, guestCount, audienceCount } = view;
    const shared = JSON.stringify([view.ended, view.hostId, view.stage, view.audience]);
    const counts = `${listenerCount}/${guestCount}/${audienceCount}`;
    const sharedChanged = shared !== this.#sentShared;
    const countsChanged = counts !== this.#sentCounts;
    this.#sentShared = shared;
    this.#sentCounts = counts;
    for (const [id, link] of this.#links) {
      const own = this.stage.viewerView(id);
      const ownKey = JSON.stringify(own);
      if (sharedChanged || this.#sentOwn.get(id) !== ownKey) {
        this.#sentOwn.set(id, ownKey);
        link.send({ kind: 'state', room: { roomId: this.id, ...view, ...own } });
      } else if (countsChanged) {
        link.send({ kind: 'counts', counts: { roomId: this.id, listenerCount, guestCount, audienceCount } });
      }
    }
  }

  #snapshot(viewer: string): RoomState {
    return { roomId: this.id, ...this.stage.snapshot(viewer) };
  }

  #broadcast(event: ParticipantEvent, except?: string): void {
    for (const [id, link] of this.#links) if (id !== except) link.send(event);
  }

  #armIdle(): void {
    if (this.stage.ended || this.#links.size > 0 || this.#idle) return;
    this.#idle = setTimeout(() => {
      this.#idle = undefined;
      if (this.#links.size === 0 && !this.stage.ended) this.#deps.onIdle(this);
    }, this.#deps.idleMs);
    this.#idle.unref();
  }
}

