/**
 * What moderation needs from other folders, as small interfaces: rooms and
 * federation implement them (structurally); the composition root wires them. Nothing
 * here imports those folders.
 */

/** A live local room as moderators list it. */
export interface LiveRoomSummary {
  id: string;
  title: string;
  hostHandle: string | null;
  visibility: string;
  participants: number;
  startedAt: string | null;
}

/** Why moderation takes someone out of a room (close reasons the signaling layer maps to codes). */
export type ModerationLeaveReason = 'removed' | 'banned' | 'account_suspended' | 'domain_blocked';

/** Moderation of local rooms. */
export interface RoomModeration {
  liveRooms(): Promise<LiveRoomSummary[]>;
  /** Ends a room in any state but ended; false when there is no such room (or it ended already). */
  endRoomAsModerator(id: string): Promise<boolean>;
  /** Removes (and, with `ban`, bans) a persona from a live room. */
  removeParticipant(roomId: string, personaId: string, ban: boolean): Promise<'ok' | 'room_not_found' | 'not_in_room'>;
  /** Takes these personas out of every live room and ends the live rooms they host (a suspended account). */
  removePersonasEverywhere(personaIds: readonly string[], reason: ModerationLeaveReason): Promise<number>;
  /** Takes every participant whose handle is on `domain` out of every live room; answers how many. */
  removeDomainParticipants(domain: string): Promise<number>;
  /** Whether a room with this id exists (any state), and its title. */
  roomTitle(id: string): Promise<string | undefined>;
}

/** Remote actors, for reports about them. */
export interface RemoteReportTargets {
  /** `handle@host`, `acct:` or an actor URL -> the actor's URL and a label, or undefined. */
  resolve(target: string): Promise<{ actorId: string; label: string } | undefined>;
  /** Sends a Flag about the actor to its instance, from the instance actor (never naming the reporter). */
  forward(actorId: string, comment: string): Promise<boolean>;
}
