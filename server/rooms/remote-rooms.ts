/**
 * The port through which rooms reach rooms of other instances; federation
 * implements it (federation/rooms/remote-catalog.ts). The rooms module never
 * touches ActivityPub.
 */
import type { Result } from '../core/result.js';
import type { RoomView } from './views.js';

/** Why a pasted room link could not be looked up. */
export type LookupError =
  | { kind: 'invalid_url'; message: string }
  | { kind: 'unavailable' }
  | { kind: 'not_a_room'; message: string };

/** Which remote rooms: the room list (public ones, and followers-only ones of hosts the viewer follows) or the hallway (every open room of the given hosts). */
export type RemoteScope = 'list' | 'hallway';

export interface RemoteRoomsPort {
  /** Actor ids the persona's actor follows (accepted follows), local and remote. */
  following(viewerActorId: string): Promise<string[]>;
  /** Open remote rooms the viewer may see, as room views (`remote: true`). */
  visible(viewerActorId: string, scope: RemoteScope, hosts?: readonly string[]): Promise<RoomView[]>;
  /** Fetches a remote room's Event by URL (signed by the instance actor) and answers it as a room view; nothing is stored. */
  lookup(url: string): Promise<Result<RoomView, LookupError>>;
}
