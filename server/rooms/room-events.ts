/**
 * What the rooms service tells the outside about its rooms' lifecycle, so
 * federation can announce them (issue "rooms across instances"). The rooms
 * module knows nothing of ActivityPub: it reports changes and answers
 * `RoomService.federatedRoom` when asked for a room's current state.
 */
import type { RoomRecord } from '../store/index.js';

/** A room's change: created or scheduled, went live, renamed, stage or audience changed, ended. */
export type RoomChange = 'created' | 'started' | 'details' | 'stage' | 'ended';

/** A room as another instance may see it: its record, its host's actor and who is in it now. */
export interface RoomSnapshot {
  room: RoomRecord;
  hostActorId: string;
  /** Actor ids of the personas on stage. */
  speakerActorIds: string[];
  /** People in the room who are not on stage (guests and hidden listeners counted). */
  listenerCount: number;
}

/** The rooms module's domain events (see server/core/domain-events.ts), on `RoomService.events`. */
export type RoomDomainEvents = {
  /** A room's lifecycle or stage changed; listeners must be quick (they run inline, not awaited by the change). */
  changed: { change: RoomChange; roomId: string };
  /** The room was deleted; its last snapshot is passed because the store no longer has it. */
  deleted: RoomSnapshot;
};
