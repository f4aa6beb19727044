/**
 * Remote rooms as the local API shows them: who may see which stored remote
 * room, the rooms of the hosts a persona follows (the hallway), and looking
 * up a pasted room link. Implements the rooms module's RemoteRoomsPort.
 */
import type { RemoteRoomRecord, Store } from '../../server/store/index.js';
import { err, ok, type Result } from '../../server/core/result.js';
import type { LookupError, RemoteRoomsPort, RemoteScope, RoomView } from '../../server/rooms/index.js';
import type { ApexApi, ApexObject } from '../apex/apex-api.js';
import { first } from '../actors/persona-actor.js';
import { parseRemoteEvent } from './event-parser.js';

export interface RemoteCatalogDeps {
  apex: ApexApi;
  store: Pick<Store, 'apex' | 'remoteRooms'>;
  publicUrl: string;
  /** Fetches an ActivityPub document through the safe client, signed by the instance actor; null when it cannot be had. */
  fetchDocument(url: string): Promise<Record<string, unknown> | null>;
  /** Instances limited by moderators (`host[:port]`): their rooms are shown only to personas who follow the room's host. */
  isLimitedHost?: (host: string) => boolean;
}

export class RemoteRoomCatalog implements RemoteRoomsPort {
  constructor(private readonly deps: RemoteCatalogDeps) {}

  async following(viewerActorId: string): Promise<string[]> {
    const actor = (await this.deps.store.apex.getObject(viewerActorId)) as ApexObject | null;
    if (!actor) return [];
    actor._local = actor._local ?? { blockList: [] };
    const page = await this.deps.apex.getFollowing(actor, Infinity, true);
    return (page.orderedItems ?? []).map((v) => first(v)).filter((v): v is string => typeof v === 'string');
  }

  async visible(viewerActorId: string, scope: RemoteScope, hosts?: readonly string[]): Promise<RoomView[]> {
    const { store, publicUrl } = this.deps;
    const rooms = await store.remoteRooms.listOpen(hosts);
    const out: RoomView[] = [];
    const followedByViewer = new Map<string, boolean>();
    const viewerFollows = async (host: string): Promise<boolean> => {
      let known = followedByViewer.get(host);
      if (known === undefined) {
        known = hosts?.includes(host) ?? (await this.#follows(viewerActorId, host));
        followedByViewer.set(host, known);
      }
      return known;
    };
    for (const room of rooms) {
      let shown: boolean;
      if (scope === 'hallway') shown = await viewerFollows(room.hostActorId);
      // A limited instance's public rooms are not listed to everyone here, only to the host's followers.
      else if (room.audience === 'public') shown = this.#limited(room.origin) ? await viewerFollows(room.hostActorId) : await store.remoteRooms.followedLocally(room.hostActorId, publicUrl);
      else if (room.audience === 'followers') shown = await viewerFollows(room.hostActorId);
      else shown = false; // unlisted: not in the room list, only in the hallway of its followers
      if (shown) out.push(await this.view(room));
    }
    return out;
  }

  async lookup(url: string): Promise<Result<RoomView, LookupError>> {
    let parsedUrl: URL;
    try {
      parsedUrl = new URL(url);
    } catch {
      return err({ kind: 'invalid_url', message: 'url: not a URL' });
    }
    if (parsedUrl.protocol !== 'https:' && parsedUrl.protocol !== 'http:') return err({ kind: 'invalid_url', message: 'url: only http and https links can be looked up' });
    const doc = await this.deps.fetchDocument(parsedUrl.href);
    if (!doc) return err({ kind: 'unavailable' });
    const attributedTo = first(doc.attributedTo);
    if (!attributedTo) return err({ kind: 'not_a_room', message: 'the document names no host' });
    const parsed = parseRemoteEvent(doc, attributedTo, new Date());
    if (parsed.ok === 'not_a_room') return err({ kind: 'not_a_room', message: 'the link is not a room of a server that speaks this protocol' });
    if (!parsed.ok) return err({ kind: 'not_a_room', message: parsed.error.message });
    return ok(await this.view(parsed.room));
  }

  /** A stored (or fetched) remote room as a room view. */
  async view(room: RemoteRoomRecord): Promise<RoomView> {
    const host = await this.deps.store.apex.getObject(room.hostActorId);
    const username = first(host?.preferredUsername);
    const start = room.startTime?.toISOString() ?? null;
    return {
      id: room.id,
      url: room.url ?? room.id,
      title: room.title,
      description: room.summary,
      visibility: room.audience,
      state: room.status,
      maxSpeakers: 0,
      host: { handle: username ? `${username}@${new URL(room.hostActorId).host}` : null, displayName: first(host?.name) ?? null },
      createdAt: room.receivedAt.toISOString(),
      scheduledFor: room.status === 'scheduled' ? start : null,
      startedAt: room.status === 'scheduled' ? null : start,
      endedAt: room.endTime?.toISOString() ?? null,
      speakerCount: room.speakers.length,
      listenerCount: room.listenerCount,
      remote: true,
      origin: new URL(room.origin).host,
    };
  }

  #limited(origin: string): boolean {
    try {
      return this.deps.isLimitedHost?.(new URL(origin).host) ?? false;
    } catch {
      return false;
    }
  }

  /** Whether the viewer's actor has an accepted follow of `host`. */
  async #follows(viewerActorId: string, host: string): Promise<boolean> {
    const actor = await this.deps.store.apex.getObject(viewerActorId);
    const following = first(actor?.following);
    if (!following) return false;
    return (await this.deps.store.apex.findActivityByCollectionAndObjectId(following, host)) !== null;
  }
}
