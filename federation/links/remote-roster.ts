/**
 * The participants of this instance in a room of another instance (the
 * linking side of a cascade link, ADR 0030): who each is here and at the
 * host, the role the host gave them, and the host's events relayed to each
 * as this instance's participant gets them. The link itself is
 * federation/links/remote-room.ts.
 */
import type { RoomMedia } from '../../media/index.js';
import {
  canPublish, type GrantIssuer, type GrantView, type LeaveReason, type ParticipantLink, type Role, type RoomCounts, type RoomOpError, type RoomState, type StageError,
} from '../../server/rooms/index.js';

/** One participant of this instance in the remote room. */
export interface Member {
  local: string;
  /** The participant id the host gave (a persona's actor id, or `guest:<host>:<ref>`). */
  hostId: string;
  link: ParticipantLink;
  announce: { kind: 'persona'; actor: string; displayName: string | null; hidden: boolean } | { kind: 'guest'; ref: string };
  role: Role;
  muted: boolean;
}

const STAGE_ERRORS: ReadonlySet<string> = new Set(['room_ended', 'not_in_room', 'not_allowed', 'no_such_participant', 'not_a_listener',
  'not_on_stage', 'no_invitation', 'stage_full', 'muted_by_moderator', 'guests_cannot', 'banned', 'instance_limited']);
const LEAVE_REASONS: ReadonlySet<string> = new Set(['left', 'removed', 'banned', 'room_ended', 'replaced', 'persona_deleted', 'server_shutdown']);

/** A refusal of the host, as the rooms module's error. */
export function refusalOf(error: { code: string; message: string }): RoomOpError {
  if (error.code === 'stage' && STAGE_ERRORS.has(error.message)) return { kind: 'stage', error: error.message as StageError };
  if (error.code === 'banned' || error.code === 'room_ended') return { kind: 'stage', error: error.code };
  return { kind: 'remote_refused', code: error.code, message: error.message };
}

/** Why the host says a participant left, as a leave reason here (`removed` for one this instance does not know). */
export function leaveReasonOf(reason: string): LeaveReason {
  return LEAVE_REASONS.has(reason) ? (reason as LeaveReason) : 'removed';
}

/** What the roster needs of its room. */
export interface RemoteRosterDeps {
  roomId: string;
  grants: GrantIssuer;
  /** The room's media here, once the link opened it. */
  media(): RoomMedia | undefined;
}

export class RemoteRoster {
  readonly #members = new Map<string, Member>();

  constructor(private readonly room: RemoteRosterDeps) {}

  get size(): number {
    return this.#members.size;
  }

  get(local: string): Member | undefined {
    return this.#members.get(local);
  }

  /** Every member now (a copy: removing members while walking it is safe). */
  all(): Member[] {
    return [...this.#members.values()];
  }

  set(member: Member): void {
    this.#members.set(member.local, member);
  }

  /** Forgets a member; nothing is said to it. */
  delete(local: string): void {
    this.#members.delete(local);
  }

  /** Forgets every member, handing them back to be told. */
  takeAll(): Member[] {
    const members = this.all();
    this.#members.clear();
    return members;
  }

  /** The host removed a member (or would not take it back): its media here closes and it is told why. */
  remove(m: Member, reason: LeaveReason): void {
    this.#members.delete(m.local);
    this.room.media()?.closePeer(m.local);
    m.link.departed(reason);
  }

  byHostId(hostId: string): Member | undefined {
    for (const m of this.#members.values()) if (m.hostId === hostId) return m;
    return undefined;
  }

  /** The host's id of a local peer (itself for a peer of the host, piped in). */
  hostIdOf(peerId: string): string {
    return this.#members.get(peerId)?.hostId ?? peerId;
  }

  /** Tells every member but `except` of a producer here. */
  broadcast(event: { kind: 'producerAdded' | 'producerClosed'; producerId: string; participantId: string }, except?: string): void {
    for (const [id, m] of this.#members) if (id !== except) m.link.send(event);
  }

  /** A grant of this instance for the member's role at the host. */
  async grant(m: Member): Promise<GrantView> {
    const { token, grant } = await this.room.grants.issue({
      roomId: this.room.roomId, participantId: m.local, role: m.role, canPublish: canPublish(m.role), canSubscribe: true,
    });
    return { token, role: m.role, canPublish: grant.canPublish, canSubscribe: grant.canSubscribe, expiresAt: grant.exp };
  }

  /** The host gave the member another role: a speaker no more stops producing, and the member gets its new grant. */
  async setRole(m: Member, role: Role): Promise<void> {
    m.role = role;
    if (!canPublish(role)) this.room.media()?.closeProducer(m.local);
    m.link.send({ kind: 'grant', grant: await this.grant(m) });
  }

  /** An event of the host for one participant, as this instance's participant gets it. */
  async relay(hostId: string, payload: Record<string, unknown>): Promise<void> {
    const m = this.byHostId(hostId);
    if (!m) return;
    const roomId = this.room.roomId;
    switch (payload.kind) {
      case 'state': {
        const room = payload.room as RoomState;
        const muted = room.stage.find((p) => p.id === hostId)?.muted ?? false;
        if (muted !== m.muted) {
          m.muted = muted;
          await this.room.media()?.setPaused(m.local, muted);
        }
        m.link.send({ kind: 'state', room: { ...room, roomId } });
        return;
      }
      case 'counts':
        m.link.send({ kind: 'counts', counts: { ...(payload.counts as RoomCounts), roomId } });
        return;
      case 'grant':
        await this.setRole(m, (payload.grant as GrantView).role);
        return;
      case 'invited':
        m.link.send({ kind: 'invited', roomId });
        return;
      case 'activeSpeaker':
        m.link.send({ kind: 'activeSpeaker', participantId: typeof payload.participantId === 'string' ? payload.participantId : null });
        return;
      default:
    }
  }
}
