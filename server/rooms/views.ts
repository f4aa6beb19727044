/** What the API shows of a room. */
import type { RoomRecord } from '../store/index.js';

/** The host as shown with a room. */
export interface RoomHostView {
  handle: string | null;
  displayName: string | null;
}

/** A room in API answers. */
export interface RoomView {
  id: string;
  url: string;
  title: string;
  description: string;
  visibility: RoomRecord['visibility'];
  state: RoomRecord['state'];
  maxSpeakers: number;
  host: RoomHostView;
  createdAt: string;
  scheduledFor: string | null;
  startedAt: string | null;
  endedAt: string | null;
  /** Live rooms: people on stage and listeners (hidden ones and guests counted). */
  speakerCount: number;
  listenerCount: number;
  /** True for a room hosted on another instance (from its Event); `id` is then the Event's id. */
  remote: boolean;
  /** The host instance (`host[:port]`). */
  origin: string;
}

/** An invitation as its room's host sees it. */
export interface InvitationView {
  handle: string;
  invitedAt: string;
}

export function roomView(
  room: RoomRecord,
  publicUrl: string,
  host: RoomHostView,
  counts: { speakerCount: number; listenerCount: number },
): RoomView {
  return {
    id: room.id,
    url: `${publicUrl}/rooms/${room.id}`,
    title: room.title,
    description: room.description,
    visibility: room.visibility,
    state: room.state,
    maxSpeakers: room.maxSpeakers,
    host,
    createdAt: room.createdAt.toISOString(),
    scheduledFor: room.scheduledFor?.toISOString() ?? null,
    startedAt: room.startedAt?.toISOString() ?? null,
    endedAt: room.endedAt?.toISOString() ?? null,
    ...counts,
    remote: false,
    origin: new URL(publicUrl).host,
  };
}
