/**
 * Rooms hosted on other instances, as their `Event` announced them (issue
 * "rooms across instances"): only what the activity carried, never fetched
 * extras. Federation writes them from the inbox; the hallway and the room
 * list read them.
 */

/** A remote room's lifecycle, from the Event's `roomStatus`. */
export type RemoteRoomStatus = 'scheduled' | 'live' | 'ended';

/** Who the host addressed: Public in `to`, Public in `cc`, or its followers only. */
export type RemoteRoomAudience = 'public' | 'unlisted' | 'followers';

/** A stored remote room. */
export interface RemoteRoomRecord {
  /** The Event's id (an IRI on the host's origin). */
  id: string;
  /** The host actor (`attributedTo`, the signer of the activity). */
  hostActorId: string;
  /** Scheme, host and port of the id, e.g. `https://rooms.example`. */
  origin: string;
  title: string;
  summary: string;
  status: RemoteRoomStatus;
  audience: RemoteRoomAudience;
  /** Actor ids of the personas on stage (at most 50). */
  speakers: string[];
  listenerCount: number;
  startTime: Date | null;
  endTime: Date | null;
  /** The room page on the host (same origin as the id), or null. */
  url: string | null;
  /** Where another instance asks to join (same origin as the id), or null. */
  joinEndpoint: string | null;
  /** The Event's `updated` time: an older copy never replaces a newer one. */
  updatedAt: Date;
  receivedAt: Date;
}

export interface RemoteRoomRepository {
  /**
   * Stores the room, or replaces the stored copy when this one is not older
   * (`updatedAt`); answers whether it was written.
   */
  put(room: RemoteRoomRecord): Promise<boolean>;
  get(id: string): Promise<RemoteRoomRecord | undefined>;
  /** Forgets a room; answers whether there was one. */
  delete(id: string): Promise<boolean>;
  /** Forgets every room of a host (its actor was deleted); answers how many. */
  deleteByHost(hostActorId: string): Promise<number>;
  /**
   * Forgets every room whose origin is on `domain` (the domain itself or a
   * subdomain, any port): moderators suspended it. Answers how many.
   */
  deleteOnDomain(domain: string): Promise<number>;
  /**
   * Scheduled and live rooms, newest first (by start time, else by receipt,
   * then by id), of the given hosts only when `hosts` is given.
   */
  listOpen(hosts?: readonly string[]): Promise<RemoteRoomRecord[]>;
  /**
   * Whether some local persona (an actor `<publicUrl>/u/<handle>`) has an
   * accepted follow of `hostActorId`: reads the following collections apex
   * keeps, so a room nobody here follows is listed to nobody.
   */
  followedLocally(hostActorId: string, publicUrl: string): Promise<boolean>;
}
