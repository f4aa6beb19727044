/**
 * The rooms part of the storage port: rooms (scheduled, live, ended), room
 * bans and invitations to invite-only rooms. Live participants, hands and the stage are in memory only (they
 * end with the process); what must outlive a restart is here.
 */

/** Who may find and join a room. */
export type RoomVisibility = 'public' | 'unlisted' | 'followers' | 'invite';

/** A room's lifecycle: scheduled -> live -> ended (or scheduled -> ended). */
export type RoomLifecycle = 'scheduled' | 'live' | 'ended';

/** A stored room. Ids are random (at least 128 bits), never sequential. */
export interface RoomRecord {
  id: string;
  /** The hosting persona (a local persona id). */
  hostPersonaId: string;
  title: string;
  description: string;
  visibility: RoomVisibility;
  state: RoomLifecycle;
  maxSpeakers: number;
  createdAt: Date;
  scheduledFor: Date | null;
  startedAt: Date | null;
  endedAt: Date | null;
}

/** What a room's state change writes. */
export type RoomPatch = Partial<Pick<RoomRecord, 'state' | 'startedAt' | 'endedAt' | 'title' | 'description'>>;

/** An invitation to an invite-only room. */
export interface RoomInvitation {
  roomId: string;
  personaId: string;
  invitedAt: Date;
}

/** Rooms, room bans and room invitations. */
export interface RoomRepository {
  /** Stores a new room; `false` when its id exists already. */
  create(room: RoomRecord): Promise<boolean>;
  get(id: string): Promise<RoomRecord | undefined>;
  /** Applies the patch; answers the updated room, or undefined when none has this id. */
  update(id: string, patch: RoomPatch): Promise<RoomRecord | undefined>;
  /** Rooms that are live or scheduled, oldest first. */
  listOpen(): Promise<RoomRecord[]>;
  /** Every room a persona hosts (any state), oldest first. */
  listByHost(hostPersonaId: string): Promise<RoomRecord[]>;
  /** Bans `subject` (a persona id) from a room; idempotent. */
  addBan(roomId: string, subject: string, at: Date): Promise<void>;
  isBanned(roomId: string, subject: string): Promise<boolean>;
  /** Forgets every ban of `subject` (its persona was deleted); answers how many. */
  deleteBansOf(subject: string): Promise<number>;
  /** Invites a local persona to a room; `false` when it was invited already. */
  addInvitation(invitation: RoomInvitation): Promise<boolean>;
  /** Revokes an invitation; `false` when there was none. */
  removeInvitation(roomId: string, personaId: string): Promise<boolean>;
  isInvited(roomId: string, personaId: string): Promise<boolean>;
  /** A room's invitations, oldest first. */
  listInvitations(roomId: string): Promise<RoomInvitation[]>;
  /** Forgets every invitation of a persona (it was deleted); answers how many. */
  deleteInvitationsOf(personaId: string): Promise<number>;
  /** Deletes a room with its bans and invitations; `false` when there was none. */
  delete(id: string): Promise<boolean>;
  /**
   * Deletes every room a persona hosts (it was deleted), with their bans and
   * invitations: nothing of the rooms' content outlives the host. Answers how many rooms.
   */
  deleteByHost(hostPersonaId: string): Promise<number>;
}
