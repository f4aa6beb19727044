/**
 * The rooms service: the lifecycle of rooms in the store (scheduled -> live
 * -> ended, scheduled rooms starting by themselves at their time), who may
 * see and join which room (with invitations to invite-only rooms), and the
 * registry of live rooms.
 * The HTTP controller, the signaling layer and (later) federation call it
 * through {@link RoomDirectory}.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { RoomMediaRegistry } from '../../media/index.js';
import { err, ok, type Result } from '../lib/result.js';
import type { RoomRecord, RoomVisibility, Store } from '../store/index.js';
import type { InvitationError, RoomLifecycleError } from './errors.js';
import type { GrantIssuer } from './grants.js';
import { LiveRoom } from './live-room.js';
import { RoomSchedule } from './room-schedule.js';
import { canPublish, type LeaveReason } from './stage.js';
import { roomView, type InvitationView, type RoomView } from './views.js';

/** Who is asking: a local persona, or an anonymous guest (null). */
export interface Viewer {
  personaId: string | null;
}

/** Answers whether a persona follows another (for followers-only rooms); federation provides it. */
export interface RoomAudience {
  isFollower(hostPersonaId: string, viewerPersonaId: string): Promise<boolean>;
}

export interface CreateRoomInput {
  title: string;
  description?: string | undefined;
  visibility: RoomVisibility;
  scheduledFor?: Date | undefined;
  maxSpeakers?: number | undefined;
}

/** What other layers (HTTP, signaling, federation later) may ask of rooms. */
export interface RoomDirectory {
  get(id: string, viewer: Viewer): Promise<Result<RoomView, RoomLifecycleError>>;
  list(viewer: Viewer): Promise<RoomView[]>;
  /** The live room `viewer` may join, or why not. */
  openForJoin(id: string, viewer: Viewer): Promise<Result<LiveRoom, RoomLifecycleError>>;
}

export const DEFAULT_MAX_SPEAKERS = 10;

export interface RoomServiceDeps {
  store: Store;
  publicUrl: string;
  registry: RoomMediaRegistry;
  grants: GrantIssuer;
  log: Logger;
  idleMs: number;
  audience?: RoomAudience;
  /** Whether a persona's rooms are hidden from everyone else (its account is suspended). */
  hiddenHost?: (hostPersonaId: string) => Promise<boolean>;
  now?: () => number;
  /** Longest wait before a scheduled room's start is checked again (tests; capped at an hour). */
  scheduleCheckMs?: number;
}

export class RoomService implements RoomDirectory {
  readonly #live = new Map<string, LiveRoom>();
  readonly #deps: RoomServiceDeps;
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #schedule: RoomSchedule;

  constructor(deps: RoomServiceDeps) {
    this.#deps = deps;
    this.#log = deps.log.child({ module: 'rooms' });
    this.#now = deps.now ?? Date.now;
    this.#schedule = new RoomSchedule({
      now: this.#now,
      ...(deps.scheduleCheckMs !== undefined ? { capMs: deps.scheduleCheckMs } : {}),
      due: (id) => {
        this.#startScheduled(id).catch((e: unknown) => this.#log.error({ err: e, roomId: id }, 'starting a scheduled room failed'));
      },
    });
  }

  /**
   * Picks up rooms that were live when the process stopped (empty, they end
   * after the idle timeout) and re-arms the start of scheduled rooms (one
   * whose time passed while the process was down starts now).
   */
  async restore(): Promise<void> {
    for (const room of await this.#deps.store.rooms.listOpen()) {
      if (room.state === 'live') this.#goLive(room);
      else if (room.state === 'scheduled' && room.scheduledFor) this.#schedule.arm(room.id, room.scheduledFor);
    }
  }

  async create(hostPersonaId: string, input: CreateRoomInput): Promise<Result<RoomView, RoomLifecycleError>> {
    const now = new Date(this.#now());
    const scheduled = input.scheduledFor !== undefined && input.scheduledFor.getTime() > now.getTime();
    const room: RoomRecord = {
      id: randomBytes(16).toString('base64url'),
      hostPersonaId,
      title: input.title,
      description: input.description ?? '',
      visibility: input.visibility,
      state: scheduled ? 'scheduled' : 'live',
      maxSpeakers: input.maxSpeakers ?? DEFAULT_MAX_SPEAKERS,
      createdAt: now,
      scheduledFor: input.scheduledFor ?? null,
      startedAt: scheduled ? null : now,
      endedAt: null,
    };
    if (!(await this.#deps.store.rooms.create(room))) throw new Error('room id collision');
    if (room.state === 'live') this.#goLive(room);
    else if (room.scheduledFor) this.#schedule.arm(room.id, room.scheduledFor);
    this.#log.info({ roomId: room.id, state: room.state }, 'room created');
    return ok(await this.#view(room));
  }

  async get(id: string, viewer: Viewer): Promise<Result<RoomView, RoomLifecycleError>> {
    const room = await this.#visible(id, viewer, false);
    return room.ok ? ok(await this.#view(room.value)) : room;
  }

  async list(viewer: Viewer): Promise<RoomView[]> {
    const out: RoomView[] = [];
    for (const room of await this.#deps.store.rooms.listOpen()) {
      if (room.visibility === 'unlisted' && room.hostPersonaId !== viewer.personaId) continue;
      if (await this.#canSee(room, viewer)) out.push(await this.#view(room));
    }
    return out;
  }

  async start(id: string, personaId: string): Promise<Result<RoomView, RoomLifecycleError>> {
    const room = await this.#owned(id, personaId);
    if (!room.ok) return room;
    if (room.value.state !== 'scheduled') return err({ kind: 'bad_state', state: room.value.state });
    this.#schedule.cancel(id);
    const updated = await this.#deps.store.rooms.update(id, { state: 'live', startedAt: new Date(this.#now()) });
    if (!updated) return err({ kind: 'room_not_found' });
    this.#goLive(updated);
    return ok(await this.#view(updated));
  }

  async end(id: string, personaId: string): Promise<Result<RoomView, RoomLifecycleError>> {
    const room = await this.#owned(id, personaId);
    if (!room.ok) return room;
    if (room.value.state === 'ended') return err({ kind: 'bad_state', state: 'ended' });
    return ok(await this.#view(await this.endRoom(room.value.id, 'room_ended')));
  }

  /** Ends a room whoever asks (moderator in the room, idle timer, host deleted). */
  async endRoom(id: string, reason: LeaveReason): Promise<RoomRecord> {
    this.#schedule.cancel(id);
    const live = this.#live.get(id);
    this.#live.delete(id);
    await live?.end(reason);
    const updated = await this.#deps.store.rooms.update(id, { state: 'ended', endedAt: new Date(this.#now()) });
    if (!updated) throw new Error(`room ${id} vanished from the store`);
    this.#log.info({ roomId: id, reason }, 'room ended');
    return updated;
  }

  async openForJoin(id: string, viewer: Viewer): Promise<Result<LiveRoom, RoomLifecycleError>> {
    const room = await this.#visible(id, viewer, true);
    if (!room.ok) return room;
    const live = this.#live.get(id);
    if (room.value.state !== 'live' || !live || live.ended) return err({ kind: 'bad_state', state: room.value.state });
    return ok(live);
  }

  /** Whether a persona is banned from a room (persisted bans). */
  isBanned(roomId: string, personaId: string): Promise<boolean> {
    return this.#deps.store.rooms.isBanned(roomId, personaId);
  }

  live(id: string): LiveRoom | undefined {
    return this.#live.get(id);
  }

  /** Every live room in memory. */
  liveRooms(): LiveRoom[] {
    return [...this.#live.values()];
  }

  /** A persona is being deleted: its rooms end, it leaves every live room, its bans are forgotten. */
  async personaDeleted(personaId: string): Promise<void> {
    for (const room of await this.#deps.store.rooms.listByHost(personaId)) {
      if (room.state !== 'ended') await this.endRoom(room.id, 'persona_deleted');
    }
    for (const live of this.#live.values()) {
      if (live.stage.participant(personaId)) await live.apply((stage) => stage.leave(personaId, 'persona_deleted'));
    }
    await this.#deps.store.rooms.deleteBansOf(personaId);
    await this.#deps.store.rooms.deleteInvitationsOf(personaId);
  }

  /** Invites a local persona (by handle) to an invite-only room; the host or a moderator of the live room may. */
  async invite(id: string, byPersonaId: string, handle: string): Promise<Result<InvitationView, InvitationError>> {
    const room = await this.#inviter(id, byPersonaId);
    if (!room.ok) return room;
    const persona = await this.#deps.store.personas.findByHandle(handle);
    if (!persona) return err({ kind: 'persona_not_found' });
    const invitedAt = new Date(this.#now());
    if (!(await this.#deps.store.rooms.addInvitation({ roomId: id, personaId: persona.id, invitedAt }))) return err({ kind: 'already_invited' });
    return ok({ handle: persona.handle, invitedAt: invitedAt.toISOString() });
  }

  /** The invitations of a room, for its host only (nobody else learns who is invited). */
  async invitations(id: string, byPersonaId: string): Promise<Result<InvitationView[], InvitationError>> {
    const room = await this.#owned(id, byPersonaId);
    if (!room.ok) return room;
    const out: InvitationView[] = [];
    for (const invitation of await this.#deps.store.rooms.listInvitations(id)) {
      const persona = await this.#deps.store.personas.findById(invitation.personaId);
      if (persona) out.push({ handle: persona.handle, invitedAt: invitation.invitedAt.toISOString() });
    }
    return ok(out);
  }

  /** Revokes an invitation; the persona, if in the live room, is removed at once. */
  async revoke(id: string, byPersonaId: string, handle: string): Promise<Result<null, InvitationError>> {
    const room = await this.#inviter(id, byPersonaId);
    if (!room.ok) return room;
    const persona = await this.#deps.store.personas.findByHandle(handle);
    if (!persona || !(await this.#deps.store.rooms.removeInvitation(id, persona.id))) return err({ kind: 'not_invited' });
    const live = this.#live.get(id);
    if (live && persona.id !== room.value.hostPersonaId && live.stage.participant(persona.id)) {
      await live.apply((stage) => stage.leave(persona.id, 'removed'));
    }
    return ok(null);
  }

  /** The persona's hosted rooms, for its export. */
  async hostedRooms(personaId: string): Promise<RoomView[]> {
    const rooms = await this.#deps.store.rooms.listByHost(personaId);
    return Promise.all(rooms.map((r) => this.#view(r)));
  }

  /** Disconnects everyone (process shutdown); rooms stay live in the store and resume after a restart. */
  async close(): Promise<void> {
    const rooms = [...this.#live.values()];
    this.#live.clear();
    this.#schedule.clear();
    await Promise.all(rooms.map((r) => r.end('server_shutdown')));
  }

  /** A scheduled room's time came: it goes live unless it was started or ended meanwhile. */
  async #startScheduled(id: string): Promise<void> {
    const room = await this.#deps.store.rooms.get(id);
    if (room?.state !== 'scheduled') return;
    const updated = await this.#deps.store.rooms.update(id, { state: 'live', startedAt: new Date(this.#now()) });
    if (!updated) return;
    this.#goLive(updated);
    this.#log.info({ roomId: id }, 'scheduled room went live');
  }

  #goLive(room: RoomRecord): void {
    if (this.#live.has(room.id)) return;
    const live = new LiveRoom(room, {
      registry: this.#deps.registry,
      grants: this.#deps.grants,
      log: this.#log,
      idleMs: this.#deps.idleMs,
      onIdle: (r) => {
        this.endRoom(r.id, 'room_ended').catch((e: unknown) => this.#log.error({ err: e, roomId: r.id }, 'ending an idle room failed'));
      },
      onBan: (r, participantId) => {
        if (participantId.startsWith('guest:')) return;
        this.#deps.store.rooms.addBan(r.id, participantId, new Date(this.#now())).catch((e: unknown) => this.#log.error({ err: e }, 'storing a ban failed'));
      },
    });
    this.#live.set(room.id, live);
  }

  async #owned(id: string, personaId: string): Promise<Result<RoomRecord, RoomLifecycleError>> {
    const room = await this.#visible(id, { personaId }, false);
    if (!room.ok) return room;
    if (room.value.hostPersonaId !== personaId) return err({ kind: 'not_host' });
    return room;
  }

  /** The room if `personaId` may manage its invitations: the host, or whoever moderates the live room. */
  async #inviter(id: string, personaId: string): Promise<Result<RoomRecord, InvitationError>> {
    const room = await this.#visible(id, { personaId }, false);
    if (!room.ok) return room;
    const role = this.#live.get(id)?.stage.participant(personaId)?.role;
    if (room.value.hostPersonaId !== personaId && role !== 'moderator' && role !== 'host') return err({ kind: 'not_host' });
    if (room.value.visibility !== 'invite') return err({ kind: 'not_invite_only' });
    if (room.value.state === 'ended') return err({ kind: 'bad_state', state: 'ended' });
    return room;
  }

  async #visible(id: string, viewer: Viewer, joining: boolean): Promise<Result<RoomRecord, RoomLifecycleError>> {
    const room = await this.#deps.store.rooms.get(id);
    // A guest holding the link of an unlisted room learns to sign in; other hidden rooms stay unknown.
    if (room && joining && viewer.personaId === null && room.visibility === 'unlisted') return err({ kind: 'guests_public_only' });
    if (!room || !(await this.#canSee(room, viewer))) return err({ kind: 'room_not_found' });
    if (joining && viewer.personaId === null && room.visibility !== 'public') return err({ kind: 'guests_public_only' });
    return ok(room);
  }

  async #canSee(room: RoomRecord, viewer: Viewer): Promise<boolean> {
    if (viewer.personaId !== null && room.hostPersonaId === viewer.personaId) return true;
    if (await this.#deps.hiddenHost?.(room.hostPersonaId)) return false;
    switch (room.visibility) {
      case 'public':
        return true;
      case 'unlisted':
        return viewer.personaId !== null;
      case 'followers':
        return viewer.personaId !== null && (await this.#deps.audience?.isFollower(room.hostPersonaId, viewer.personaId)) === true;
      case 'invite':
        return viewer.personaId !== null && (await this.#deps.store.rooms.isInvited(room.id, viewer.personaId));
    }
  }

  async #view(room: RoomRecord): Promise<RoomView> {
    const host = await this.#deps.store.personas.findById(room.hostPersonaId);
    const live = room.state === 'live' ? this.#live.get(room.id) : undefined;
    const people = live?.stage.participants() ?? [];
    const speakerCount = people.filter((p) => canPublish(p.role)).length;
    return roomView(room, this.#deps.publicUrl, { handle: host?.handle ?? null, displayName: host?.displayName ?? null }, {
      speakerCount,
      listenerCount: people.length - speakerCount,
    });
  }
}
