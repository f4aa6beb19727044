/**
 * What instance moderators do to local rooms, on top of the rooms service:
 * list live rooms, end any room, remove or ban anyone, take a suspended
 * account's personas out of every room, and take a blocked domain's people
 * out of every room. Implements moderation's RoomModeration port.
 */
import type { Logger } from 'pino';
import { hostOnDomain } from '../core/domains.js';
import type { RoomRepository } from '../store/index.js';
import type { RoomPersonas, RoomService } from './room.service.js';
import { participantHost, type LeaveReason, type Participant } from './stage.js';

/** Whether a participant of another instance (cascade links bring them) is on the domain. */
function onDomain(p: Participant, domain: string): boolean {
  const host = participantHost(p);
  return host !== null && hostOnDomain(host, domain);
}

export class RoomModerator {
  constructor(private readonly deps: {
    service: RoomService;
    rooms: Pick<RoomRepository, 'listOpen' | 'get' | 'addBan'>;
    personas: Pick<RoomPersonas, 'findById'>;
    log: Logger;
  }) {}

  async liveRooms(): Promise<Array<{ id: string; title: string; hostHandle: string | null; visibility: string; participants: number; startedAt: string | null }>> {
    const out = [];
    for (const room of await this.deps.rooms.listOpen()) {
      if (room.state !== 'live') continue;
      const host = await this.deps.personas.findById(room.hostPersonaId);
      out.push({
        id: room.id, title: room.title, hostHandle: host?.handle ?? null, visibility: room.visibility,
        participants: this.deps.service.live(room.id)?.stage.participants().length ?? 0, startedAt: room.startedAt?.toISOString() ?? null,
      });
    }
    return out;
  }

  async endRoomAsModerator(id: string): Promise<boolean> {
    const room = await this.deps.rooms.get(id);
    if (!room || room.state === 'ended') return false;
    await this.deps.service.endRoom(id, 'room_ended');
    return true;
  }

  async removeParticipant(roomId: string, personaId: string, ban: boolean): Promise<'ok' | 'room_not_found' | 'not_in_room'> {
    const room = await this.deps.rooms.get(roomId);
    if (!room) return 'room_not_found';
    const live = this.deps.service.live(roomId);
    if (ban) {
      // A ban holds even when the persona is not in the room right now.
      await this.deps.rooms.addBan(roomId, personaId, new Date());
      live?.stage.addBan(personaId);
    }
    if (!live?.stage.participant(personaId)) return ban ? 'ok' : 'not_in_room';
    await live.apply((stage) => stage.leave(personaId, ban ? 'banned' : 'removed'));
    return 'ok';
  }

  async removePersonasEverywhere(personaIds: readonly string[], reason: LeaveReason): Promise<number> {
    let removed = 0;
    const ids = new Set(personaIds);
    for (const room of await this.deps.rooms.listOpen()) {
      if (room.state === 'live' && ids.has(room.hostPersonaId)) await this.deps.service.endRoom(room.id, reason);
    }
    for (const live of this.deps.service.liveRooms()) removed += await this.#removeWhere(live, (p) => ids.has(p.id), reason);
    return removed;
  }

  async removeDomainParticipants(domain: string): Promise<number> {
    let removed = 0;
    for (const live of this.deps.service.liveRooms()) removed += await this.#removeWhere(live, (p) => onDomain(p, domain), 'domain_blocked');
    if (removed > 0) this.deps.log.info({ domain, removed }, 'participants of a suspended domain removed from live rooms');
    return removed;
  }

  async roomTitle(id: string): Promise<string | undefined> {
    return (await this.deps.rooms.get(id))?.title;
  }

  async #removeWhere(live: NonNullable<ReturnType<RoomService['live']>>, match: (p: Participant) => boolean, reason: LeaveReason): Promise<number> {
    const targets = live.stage.participants().filter(match);
    for (const p of targets) await live.apply((stage) => stage.leave(p.id, reason));
    return targets.length;
  }
}
