/**
 * Cascade integration (issue 11): what signaling needs of a room it joins,
 * whether the room is hosted here ({@link LiveRoom}) or on another instance
 * and reached through a cascade link (federation/links/remote-room.ts).
 * LiveRoom satisfies it as it is; a remote room forwards stage operations to
 * its host and keeps the media on this instance's own router.
 */
import type { RoomMedia } from '../../media/index.js';
import type { Result } from '../lib/result.js';
import type { RoomLifecycleError, RoomOpError } from './errors.js';
import type { Grant } from './grants.js';
import type { GrantView, JoinAnswer, PeerLink } from './live-room.js';
import type { Arrival, Role, RoomStage, StageChange, StageError } from './stage.js';

export interface RoomHandle {
  readonly id: string;
  readonly ended: boolean;
  readonly media: RoomMedia | undefined;
  /** Set on rooms of another instance: the host decides access, this instance only relays. */
  readonly remote?: true;
  readonly stage: { participant(id: string): { role: Role } | undefined };
  join(arrival: Arrival, link: PeerLink): Promise<Result<JoinAnswer, RoomOpError>>;
  leave(participantId: string, link: PeerLink): Promise<void>;
  apply(op: (stage: RoomStage) => Result<StageChange, StageError>): Promise<Result<null, RoomOpError>>;
  refreshGrant(participantId: string): Promise<Result<GrantView, RoomOpError>>;
  authorize(participantId: string, token: string, need: 'publish' | 'subscribe' | 'any'): Promise<Result<{ grant: Grant; media: RoomMedia }, RoomOpError>>;
  afterProduce(participantId: string): Promise<void>;
}

/** Rooms of other instances, joined through cascade links (federation provides it). */
export interface CascadePort {
  /** Whether a join names a room of another instance (its id is a URL). */
  isRemote(roomId: string): boolean;
  /** The remote room, its link opened (or reused), or why not. */
  open(roomId: string, viewer: { personaId: string | null }): Promise<Result<RoomHandle, RoomLifecycleError>>;
}
