/**
 * The rooms service: the lifecycle of rooms in the store (scheduled -> live
 * -> ended, scheduled rooms starting by themselves at their time), who may
 * see and join which room (with invitations to invite-only rooms), and the
 * registry of live rooms.
 * The HTTP controller calls it directly; transports (signaling, cascade
 * links) only through the ports in ports.ts ({@link LiveRoomDirectory}).
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { RoomMediaRegistry } from '../../media/index.js';
import { DomainEvents } from '../core/domain-events.js';
import { err, ok, type Result } from '../core/result.js';
import type { PersonaRepository, RoomRecord, RoomRepository, RoomVisibility } from '../store/index.js';
import type { InvitationError, RoomLifecycleError } from './errors.js';
import type { GrantIssuer } from './grants.js';
import { LiveRoom } from './live-room.js';
import type { LiveRoomDirectory, LiveRoomHandle, Viewer } from './ports.js';
import type { RoomChange, RoomDomainEvents, RoomSnapshot } from './room-events.js';
import type { RemoteRoomsPort } from './remote-rooms.js';
import { RoomSchedule } from './room-schedule.js';
import { canPublish, type LeaveReason } from './stage.js';
import { roomView, type InvitationView, type RoomView } from './views.js';

/** Answers whether one actor follows another (accepted follows); federation provides it. */
export interface FollowGraph {
  isFollower(actorId: string, followerActorId: string): Promise<boolean>;
  /** The local handle an actor id names, or null when the actor is not one of this instance's personas (federation owns its actor URLs). */
  localHandleOf(actorId: string): string | null;
}

/** What rooms read of personas. */
export type RoomPersonas = Pick<PersonaRepository, 'findById' | 'findByHandle'>;

export interface CreateRoomInput {
  title: string;
  description?: string | undefined;
  visibility: RoomVisibility;
  scheduledFor?: Date | undefined;
  maxSpeakers?: number | undefined;
}

export const DEFAULT_MAX_SPEAKERS = 10;

export interface RoomServiceDeps {
  rooms: RoomRepository;
  personas: RoomPersonas;
  publicUrl: string;
  registry: RoomMediaRegistry;
  grants: GrantIssuer;
  log: Logger;
  idleMs: number;
  /** Who follows whom, for followers-only rooms; without it only the host sees them. */
  follows?: FollowGraph;
  /** Whether a persona's rooms are hidden from everyone else (its account is suspended). */
  hiddenHost?: (hostPersonaId: string) => Promise<boolean>;
  /** Instances (`host[:port]`) whose people may listen but not be invited on stage (limited by moderators). */
  stageRefused?: (host: string) => boolean;
  now?: () => number;
  /** Longest wait before a scheduled room's start is checked again (tests; capped at an hour). */
  scheduleCheckMs?: number;
  /** Rooms of other instances (federation provides it); without it only local rooms are listed. */
  remote?: RemoteRoomsPort;
}

/** What the host may change of a room after creating it. */
export interface RoomDetailsInput {
  title?: string | undefined;
  description?: string | undefined;
}

export class RoomService implements LiveRoomDirectory {
  /** Lifecycle changes of rooms (federation announces rooms with them). */
  readonly events: DomainEvents<RoomDomainEvents>;
  readonly #live = new Map<string, LiveRoom>();
  readonly #deps: RoomServiceDeps;
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #schedule: RoomSchedule;

  constructor(deps: RoomServiceDeps) {
    this.#deps = deps;
    this.#log = deps.log.child({ module: 'rooms' });
    this.#now = deps.now ?? Date.now;
    this.events = new DomainEvents((e, event) => this.#log.error({ err: e, event }, 'room event listener failed'));
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
    for (const room of await this.#deps.rooms.listOpen()) {
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
    if (!(await this.#deps.rooms.create(room))) throw new Error('room id collision');
    if (room.state === 'live') this.#goLive(room);
    else if (room.scheduledFor) this.#schedule.arm(room.id, room.scheduledFor);
    this.#log.info({ roomId: room.id, state: room.state }, 'room created');
    this.#emit('created', room.id);
    return ok(await this.#view(room));
  }

  async get(id: string, viewer: Viewer): Promise<Result<RoomView, RoomLifecycleError>> {
    const room = await this.#visible(id, viewer, false);
    return room.ok ? ok(await this.#view(room.value)) : room;
  }

  async list(viewer: Viewer): Promise<RoomView[]> {
    const out: RoomView[] = [];
    for (const room of await this.#deps.rooms.listOpen()) {
      if (room.visibility === 'unlisted' && room.hostPersonaId !== viewer.personaId) continue;
      if (await this.#canSee(room, viewer)) out.push(await this.#view(room));
    }
    // Rooms of other instances are listed to local personas only, after the local ones.
    const actorId = viewer.personaId ? (await this.#deps.personas.findById(viewer.personaId))?.actorId : undefined;
    if (this.#deps.remote && actorId) out.push(...(await this.#deps.remote.visible(actorId, 'list')));
    return out;
  }

  /** Open local rooms of the given hosts that the viewer may see, unlisted ones included (the hallway). */
  async openRoomsOf(hostPersonaIds: ReadonlySet<string>, viewer: Viewer): Promise<RoomView[]> {
    const out: RoomView[] = [];
    for (const room of await this.#deps.rooms.listOpen()) {
      if (hostPersonaIds.has(room.hostPersonaId) && (await this.#canSee(room, viewer))) out.push(await this.#view(room));
    }
    return out;
  }

  async start(id: string, personaId: string): Promise<Result<RoomView, RoomLifecycleError>> {
    const room = await this.#owned(id, personaId);
    if (!room.ok) return room;
    if (room.value.state !== 'scheduled') return err({ kind: 'bad_state', state: room.value.state });
    this.#schedule.cancel(id);
    const updated = await this.#deps.rooms.update(id, { state: 'live', startedAt: new Date(this.#now()) });
    if (!updated) return err({ kind: 'room_not_found' });
    this.#goLive(updated);
    this.#emit('started', id);
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
    const updated = await this.#deps.rooms.update(id, { state: 'ended', endedAt: new Date(this.#now()) });
    if (!updated) throw new Error(`room ${id} vanished from the store`);
    this.#log.info({ roomId: id, reason }, 'room ended');
    this.#emit('ended', id);
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
    return this.#deps.rooms.isBanned(roomId, personaId);
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
    for (const room of await this.#deps.rooms.listByHost(personaId)) {
      if (room.state !== 'ended') await this.endRoom(room.id, 'persona_deleted');
    }
    for (const live of this.#live.values()) {
      if (live.stage.participant(personaId)) await live.apply((stage) => stage.leave(personaId, 'persona_deleted'));
    }
    await this.#deps.rooms.deleteBansOf(personaId);
    await this.#deps.rooms.deleteInvitationsOf(personaId);
    // Nothing of the host's rooms outlives it: not their titles, not their rows.
    await this.#deps.rooms.deleteByHost(personaId);
  }

  /**
   * Follows between these actors ended (unfollow, block, a rejected follow):
   * the local personas among them (by handle) may have lost the right to be
   * in followers-only rooms.
   */
  async followsEnded(localHandles: readonly string[]): Promise<void> {
    const personaIds: string[] = [];
    for (const handle of localHandles) {
      const persona = await this.#deps.personas.findByHandle(handle);
      if (persona) personaIds.push(persona.id);
    }
    await this.accessChanged(personaIds);
  }

  /**
   * An actor was purged (a local persona deleted, or an inbound Delete of a
   * remote actor): it leaves every live room at once (close reason
   * `persona_deleted`). A local persona is known by its handle; a remote
   * participant (cascade links) is in a room under its actor id.
   */
  async actorPurged(actorId: string, localHandle: string | null): Promise<void> {
    const participantId = localHandle === null ? actorId : (await this.#deps.personas.findByHandle(localHandle))?.id;
    if (participantId === undefined) return;
    for (const live of [...this.#live.values()]) {
      if (live.stage.participant(participantId)) await live.apply((stage) => stage.leave(participantId, 'persona_deleted'));
    }
  }

  /**
   * The right of these personas to be in rooms may have changed (a follow
   * ended, a block): whoever may no longer see a live room they are in is
   * removed at once (close reason `removed`), as a revoked invitation is.
   */
  async accessChanged(personaIds: readonly string[]): Promise<void> {
    for (const live of [...this.#live.values()]) {
      for (const personaId of personaIds) await this.ensureAccess(live, personaId);
    }
  }

  /**
   * Whether `personaId` (null: a guest) may still be in `live`; a persona
   * that lost the right is removed from the room at once and false answered.
   */
  async ensureAccess(handle: LiveRoomHandle, personaId: string | null): Promise<boolean> {
    const live = this.#live.get(handle.id);
    if (!live || live !== handle) return true;
    if (personaId === null || live.ended || !live.stage.participant(personaId)) return true;
    if (await this.#canSee(live.record, { personaId })) return true;
    if (live.stage.participant(personaId)) await live.apply((stage) => stage.leave(personaId, 'removed'));
    this.#log.info({ roomId: live.id }, 'a participant lost the right to be in the room and was removed');
    return false;
  }

  /**
   * Invites a local persona (by handle) to an invite-only room; the host or a
   * moderator of the live room may. Idempotent: inviting an invited persona
   * answers exactly as a new invitation, so a moderator never learns who was
   * invited already (the first invitation's time is kept).
   */
  async invite(id: string, byPersonaId: string, handle: string): Promise<Result<{ handle: string }, InvitationError>> {
    const room = await this.#inviter(id, byPersonaId);
    if (!room.ok) return room;
    const persona = await this.#deps.personas.findByHandle(handle);
    if (!persona) return err({ kind: 'persona_not_found' });
    await this.#deps.rooms.addInvitation({ roomId: id, personaId: persona.id, invitedAt: new Date(this.#now()) });
    return ok({ handle: persona.handle });
  }

  /** The invitations of a room, for its host only (nobody else learns who is invited). */
  async invitations(id: string, byPersonaId: string): Promise<Result<InvitationView[], InvitationError>> {
    const room = await this.#owned(id, byPersonaId);
    if (!room.ok) return room;
    const out: InvitationView[] = [];
    for (const invitation of await this.#deps.rooms.listInvitations(id)) {
      const persona = await this.#deps.personas.findById(invitation.personaId);
      if (persona) out.push({ handle: persona.handle, invitedAt: invitation.invitedAt.toISOString() });
    }
    return ok(out);
  }

  /**
   * Revokes an invitation; the persona, if in the live room, is removed at
   * once. Only the host may (moderators invite but never undo or probe the
   * host's list); revoking what is not there answers the same as revoking.
   */
  async revoke(id: string, byPersonaId: string, handle: string): Promise<Result<null, InvitationError>> {
    const room = await this.#owned(id, byPersonaId);
    if (!room.ok) return room;
    if (room.value.visibility !== 'invite') return err({ kind: 'not_invite_only' });
    const persona = await this.#deps.personas.findByHandle(handle);
    if (!persona) return err({ kind: 'persona_not_found' });
    await this.#deps.rooms.removeInvitation(id, persona.id);
    const live = this.#live.get(id);
    if (live && persona.id !== room.value.hostPersonaId && live.stage.participant(persona.id)) {
      await live.apply((stage) => stage.leave(persona.id, 'removed'));
    }
    return ok(null);
  }

  /** The host renames or re-describes its room (not once it ended). */
  async updateDetails(id: string, personaId: string, input: RoomDetailsInput): Promise<Result<RoomView, RoomLifecycleError>> {
    const room = await this.#owned(id, personaId);
    if (!room.ok) return room;
    if (room.value.state === 'ended') return err({ kind: 'bad_state', state: 'ended' });
    const patch = { ...(input.title !== undefined ? { title: input.title } : {}), ...(input.description !== undefined ? { description: input.description } : {}) };
    const updated = await this.#deps.rooms.update(id, patch);
    if (!updated) return err({ kind: 'room_not_found' });
    this.#emit('details', id);
    return ok(await this.#view(updated));
  }

  /** The host deletes its room: it ends for everyone if open, then it is gone (other instances get a Delete). */
  async remove(id: string, personaId: string): Promise<Result<null, RoomLifecycleError>> {
    const room = await this.#owned(id, personaId);
    if (!room.ok) return room;
    if (room.value.state !== 'ended') await this.endRoom(id, 'room_ended');
    const last = await this.federatedRoom(id);
    if (!(await this.#deps.rooms.delete(id))) return err({ kind: 'room_not_found' });
    this.#log.info({ roomId: id }, 'room deleted');
    if (last) void this.events.emit('deleted', last);
    return ok(null);
  }

  /** A room as federation announces it: its record, host actor, speakers (actor ids) and listener count. */
  async federatedRoom(id: string): Promise<RoomSnapshot | undefined> {
    const room = await this.#deps.rooms.get(id);
    const host = room ? await this.#deps.personas.findById(room.hostPersonaId) : undefined;
    if (!room || !host?.actorId) return undefined;
    const people = room.state === 'live' ? (this.#live.get(id)?.stage.participants() ?? []) : [];
    const speakerActorIds: string[] = [];
    for (const p of people) {
      if (p.kind !== 'persona' || !canPublish(p.role)) continue;
      const actorId = (await this.#deps.personas.findById(p.id))?.actorId;
      if (actorId) speakerActorIds.push(actorId);
    }
    const onStage = people.filter((p) => canPublish(p.role)).length;
    return { room, hostActorId: host.actorId, speakerActorIds, listenerCount: people.length - onStage };
  }

  /** The persona's hosted rooms, for its export. */
  async hostedRooms(personaId: string): Promise<RoomView[]> {
    const rooms = await this.#deps.rooms.listByHost(personaId);
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
    const room = await this.#deps.rooms.get(id);
    if (room?.state !== 'scheduled') return;
    const updated = await this.#deps.rooms.update(id, { state: 'live', startedAt: new Date(this.#now()) });
    if (!updated) return;
    this.#goLive(updated);
    this.#log.info({ roomId: id }, 'scheduled room went live');
    this.#emit('started', id);
  }

  #emit(change: RoomChange, roomId: string): void {
    void this.events.emit('changed', { change, roomId });
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
      onChange: (r) => this.#emit('stage', r.id),
      onEnded: async (r, reason) => {
        await this.endRoom(r.id, reason);
      },
      ...(this.#deps.stageRefused ? { stageRefused: this.#deps.stageRefused } : {}),
      onBan: (r, participantId) => {
        if (participantId.startsWith('guest:')) return;
        this.#deps.rooms.addBan(r.id, participantId, new Date(this.#now())).catch((e: unknown) => this.#log.error({ err: e }, 'storing a ban failed'));
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
    const room = await this.#deps.rooms.get(id);
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
        return viewer.personaId !== null && (await this.#follows(room.hostPersonaId, viewer.personaId));
      case 'invite':
        return viewer.personaId !== null && (await this.#deps.rooms.isInvited(room.id, viewer.personaId));
    }
  }

  /** Whether the viewer's actor follows the host's actor. */
  async #follows(hostPersonaId: string, viewerPersonaId: string): Promise<boolean> {
    const graph = this.#deps.follows;
    if (!graph) return false;
    const [host, viewer] = await Promise.all([this.#deps.personas.findById(hostPersonaId), this.#deps.personas.findById(viewerPersonaId)]);
    if (!host?.actorId || !viewer?.actorId) return false;
    return graph.isFollower(host.actorId, viewer.actorId);
  }

  async #view(room: RoomRecord): Promise<RoomView> {
    const host = await this.#deps.personas.findById(room.hostPersonaId);
    const live = room.state === 'live' ? this.#live.get(room.id) : undefined;
    const people = live?.stage.participants() ?? [];
    const speakerCount = people.filter((p) => canPublish(p.role)).length;
    return roomView(room, this.#deps.publicUrl, { handle: host?.handle ?? null, displayName: host?.displayName ?? null }, {
      speakerCount,
      listenerCount: people.length - speakerCount,
    });
  }
}
