/**
 * The ports of the rooms module: what a transport (the signaling WebSocket
 * today, a cascade link from another instance next) may ask of rooms and what
 * rooms tell it. This file imports nothing of any transport; signaling and
 * cascade links depend on it, never the reverse (ADR 0022).
 */
import type { RoomMedia } from '../../media/index.js';
import type { Result } from '../core/result.js';
import type { RoomLifecycleError, RoomOpError } from './errors.js';
import type { Grant } from './grants.js';
import type { Arrival, AudiencePage, LeaveReason, Role, StageSnapshot } from './stage.js';

/** Who is asking: a local persona, or an anonymous guest (null). */
export interface Viewer {
  personaId: string | null;
}

/** A grant as a participant gets it. */
export interface GrantView {
  token: string;
  role: Role;
  canPublish: boolean;
  canSubscribe: boolean;
  expiresAt: number;
}

/** The room as one participant sees it. */
export type RoomState = StageSnapshot & { roomId: string };

/** How many are in the room, when nothing else a participant sees changed. */
export interface RoomCounts {
  roomId: string;
  listenerCount: number;
  guestCount: number;
  audienceCount: number;
}

/**
 * What a live room tells one participant, as domain events. The transport
 * turns them into its wire format (signaling: `{ event, data }` frames, see
 * docs/protocol/signaling.md; a cascade link: its control channel).
 */
export type ParticipantEvent =
  | { kind: 'state'; room: RoomState }
  | { kind: 'counts'; counts: RoomCounts }
  | { kind: 'grant'; grant: GrantView }
  | { kind: 'invited'; roomId: string }
  | { kind: 'producerAdded'; producerId: string; participantId: string }
  | { kind: 'producerClosed'; producerId: string; participantId: string }
  | { kind: 'activeSpeaker'; participantId: string | null }
  | { kind: 'mediaMoved'; reason: 'worker_died'; routerRtpCapabilities: unknown };

/**
 * How a live room reaches one participant. One link per participant,
 * whatever carries it: a signaling session holds one for its peer; a cascade
 * link from another instance holds one per remote persona it announced, all
 * multiplexed on its control channel. The room never learns which.
 */
export interface ParticipantLink {
  send(event: ParticipantEvent): void;
  /** The participant is out of the room (removed, banned, replaced, room ended); the link is dead. */
  departed(reason: LeaveReason): void;
}

/**
 * Everything a participant may ask of the stage, as one union that
 * {@link LiveRoomHandle.command} applies for the participant `by`. Commands
 * without `target` act on the participant itself.
 */
export type StageCommand =
  | { type: SelfCommand }
  | { type: TargetCommand; target: string };

/** Commands a participant applies to itself (`end` ends the room: host and moderators only). */
export type SelfCommand = 'raiseHand' | 'lowerHand' | 'acceptInvite' | 'declineInvite' | 'unmute' | 'end';
/** Commands a participant applies to another one (moderation). */
export type TargetCommand = 'invite' | 'moveToAudience' | 'mute' | 'allowUnmute' | 'remove' | 'ban' | 'promote' | 'demote';

/** What a join answers. */
export interface JoinAnswer {
  participantId: string;
  grant: GrantView;
  routerRtpCapabilities: unknown;
  room: RoomState;
  producers: { producerId: string; participantId: string }[];
}

/** A handle on one live room, as transports hold it. */
export interface LiveRoomHandle {
  readonly id: string;
  readonly ended: boolean;
  /** The room's current media (absent while it is being moved to another worker). */
  readonly media: RoomMedia | undefined;
  /** The participant's role, or undefined when not in the room. */
  roleOf(participantId: string): Role | undefined;
  join(arrival: Arrival, link: ParticipantLink): Promise<Result<JoinAnswer, RoomOpError>>;
  /** The participant's link went away (or it asked to leave); ignored for a link already replaced. */
  leave(participantId: string, link: ParticipantLink): Promise<void>;
  /** Applies a stage command of participant `by` (moderator rules live in the stage). */
  command(by: string, command: StageCommand): Promise<Result<null, RoomOpError>>;
  refreshGrant(participantId: string): Promise<Result<GrantView, RoomOpError>>;
  /** Checks a grant for a media operation; answers the room's media when allowed. */
  authorize(participantId: string, token: string, need: 'publish' | 'subscribe' | 'any'): Promise<Result<{ grant: Grant; media: RoomMedia }, RoomOpError>>;
  /** After a producer was created: a producer of a muted speaker starts paused. */
  afterProduce(participantId: string): Promise<void>;
  /** A page of the audience (listeners who chose to be seen) for a participant browsing it. */
  audiencePage(participantId: string, offset: number, limit: number): Promise<Result<AudiencePage, RoomOpError>>;
}

/** The directory of live rooms, as transports use it. */
export interface LiveRoomDirectory {
  /** The live room `viewer` may join, or why not. */
  openForJoin(id: string, viewer: Viewer): Promise<Result<LiveRoomHandle, RoomLifecycleError>>;
  /** Whether a persona is banned from a room (persisted bans). */
  isBanned(roomId: string, personaId: string): Promise<boolean>;
  /**
   * Whether `personaId` (null: a guest) may still be in `room`; one that
   * lost the right is removed at once (close reason `removed`) and false answered.
   */
  ensureAccess(room: LiveRoomHandle, personaId: string | null): Promise<boolean>;
}
