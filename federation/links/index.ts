/**
 * Cascade links between instances (issue 11, ADR 0030): joining and speaking
 * in a room of another instance through one SFU link per room per instance.
 * The host side answers signed link requests at each room's join endpoint
 * and runs the control channel ({@link LinkHost}); the linking side opens
 * links for its participants ({@link LinkClient}, the rooms module's
 * CascadePort). Protocol: docs/protocol/federation.md.
 */
import type http from 'node:http';
import type https from 'node:https';
import type { Duplex } from 'node:stream';
import type { Router } from 'express';
import type { Logger } from 'pino';
import type { RoomMediaRegistry } from '../../media/index.js';
import { err, ok, type Result } from '../../server/core/result.js';
import type { GrantIssuer, LeaveReason, LiveRoom, LiveRoomDirectory, LiveRoomHandle, RoomLifecycleError, RoomService } from '../../server/rooms/index.js';
import type { Store } from '../../server/store/index.js';
import { first } from '../actors/persona-actor.js';
import type { RemoteActors } from '../actors/remote-actors.js';
import { LinkChannel } from './link-channel.js';
import { LinkHost, originOnDomain, type LinkHostSettings } from './link-host.js';
import { RemoteRoom } from './remote-room.js';

export { LINK_CONTROL_PATH } from './link-protocol.js';
export type { HostedLink } from './hosted-link.js';

export interface CascadeSettings extends LinkHostSettings {
  /** Open links to rooms of other instances for this instance's participants. */
  outgoing: boolean;
  /** How long a link nobody here uses stays open. */
  graceMs: number;
}

export interface CascadeLinksDeps {
  publicUrl: string;
  store: Pick<Store, 'rooms' | 'remoteRooms' | 'personas'>;
  remote: RemoteActors;
  settings: CascadeSettings;
  log: Logger;
  /** POSTs JSON signed by the instance actor through the safe client; null when unreachable. */
  post(url: string, body: string): Promise<{ status: number; body: string } | null>;
  isFollower(actorId: string, followerActorId: string): Promise<boolean>;
  isBlockedHost?: (host: string) => boolean;
}

/** What the links need of the rooms module, given once it exists (rooms are built after federation). */
export interface CascadeRoomsDeps {
  service: RoomService;
  registry: RoomMediaRegistry;
  grants: GrantIssuer;
}

export class CascadeLinks {
  readonly host: LinkHost;
  readonly #deps: CascadeLinksDeps;
  readonly #remote = new Map<string, RemoteRoom>();
  readonly #log: Logger;
  #rooms: CascadeRoomsDeps | undefined;

  constructor(deps: CascadeLinksDeps) {
    this.#deps = deps;
    this.#log = deps.log.child({ module: 'federation.links' });
    const { store } = deps;
    this.host = new LinkHost({
      publicUrl: deps.publicUrl,
      https: deps.publicUrl.startsWith('https:'),
      remote: deps.remote,
      settings: deps.settings,
      log: deps.log,
      ...(deps.isBlockedHost ? { isBlockedHost: deps.isBlockedHost } : {}),
      rooms: () => {
        const rooms = this.#rooms;
        if (!rooms) return undefined;
        return {
          live: (id) => rooms.service.live(id),
          record: (id) => store.rooms.get(id),
          isBanned: (roomId, subject) => rooms.service.isBanned(roomId, subject),
          mayEnter: async (room: LiveRoom, actorId) => {
            if (room.record.visibility === 'public' || room.record.visibility === 'unlisted') return true;
            if (room.record.visibility !== 'followers') return false;
            const hostActor = (await store.personas.findById(room.record.hostPersonaId))?.actorId;
            return hostActor ? deps.isFollower(hostActor, actorId) : false;
          },
          handleOf: async (actorId) => {
            const actor = await deps.remote.byUrl(actorId, false);
            const name = first(actor?.preferredUsername);
            return name ? `${name}@${new URL(actorId).host}` : null;
          },
        };
      },
    });
  }

  attachRooms(rooms: CascadeRoomsDeps): void {
    this.#rooms = rooms;
  }

  /** The join endpoint of every room. */
  router(): Router {
    return this.host.router();
  }

  /** Listens for control channels on the HTTP server (before signaling, which ignores their path). */
  attach(server: http.Server | https.Server): void {
    server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
      this.host.upgrade(req, socket, head);
    });
  }

  /**
   * Moderation: cut off a domain at once (`host[:port]`, or a domain name,
   * which covers its subdomains on any port). Every link it opened to rooms
   * here closes and its participants leave with `reason`; every link this
   * instance holds to its rooms closes and our participants there leave.
   * Answers how many links closed.
   */
  async closeDomain(domain: string, reason: LeaveReason = 'removed'): Promise<number> {
    let closed = await this.host.closeDomain(domain, reason);
    for (const room of [...this.#remote.values()]) {
      if (!originOnDomain(room.id, domain)) continue;
      room.close(reason);
      closed += 1;
    }
    return closed;
  }

  isRemote(roomId: string): boolean {
    return /^https?:\/\//i.test(roomId);
  }

  /**
   * Cascade integration for transports: the rooms' directory, with rooms of
   * other instances (ids that are URLs) joined through links. Their host
   * decides access and bans, so those checks answer "allowed" here.
   */
  directory(local: LiveRoomDirectory): LiveRoomDirectory {
    return {
      openForJoin: (id, viewer) => (this.isRemote(id) ? this.open(id, viewer) : local.openForJoin(id, viewer)),
      isBanned: (roomId, personaId) => (this.isRemote(roomId) ? Promise.resolve(false) : local.isBanned(roomId, personaId)),
      ensureAccess: (room, personaId) => (room instanceof RemoteRoom ? Promise.resolve(true) : local.ensureAccess(room, personaId)),
    };
  }

  async open(roomId: string, _viewer: { personaId: string | null }): Promise<Result<LiveRoomHandle, RoomLifecycleError>> {
    const rooms = this.#rooms;
    if (!rooms) return err({ kind: 'media_unavailable' });
    if (!this.#deps.settings.outgoing) return err({ kind: 'remote_refused', code: 'links_stopped', message: 'this instance does not open links to other instances' });
    const existing = this.#remote.get(roomId);
    if (existing && !existing.ended) return ok(existing);
    const stored = await this.#deps.store.remoteRooms.get(roomId);
    if (!stored?.joinEndpoint) return err({ kind: 'room_not_found' });
    if (stored.status !== 'live') return err({ kind: 'bad_state', state: stored.status });
    if (this.#deps.isBlockedHost?.(new URL(roomId).host)) return err({ kind: 'room_not_found' });
    const joinEndpoint = stored.joinEndpoint;
    const { settings } = this.#deps;
    const room: RemoteRoom = new RemoteRoom({
      roomId,
      joinEndpoint,
      registry: rooms.registry,
      grants: rooms.grants,
      actorOf: async (personaId) => (await this.#deps.store.personas.findById(personaId))?.actorId ?? null,
      channel: (onEvent, onDown) => new LinkChannel({
        joinEndpoint, listenIp: settings.listenIp, announcedIp: settings.announcedIp, post: (url, body) => this.#deps.post(url, body), onEvent, onDown,
      }),
      graceMs: settings.graceMs,
      log: this.#log,
      onClosed: (r) => {
        if (this.#remote.get(r.id) === r) this.#remote.delete(r.id);
      },
    });
    this.#remote.set(roomId, room);
    return ok(room);
  }

  /** Rooms of other instances this instance is linked to now. */
  remoteRooms(): RemoteRoom[] {
    return [...this.#remote.values()];
  }

  close(reason: LeaveReason = 'server_shutdown'): void {
    this.host.close();
    for (const room of [...this.#remote.values()]) room.close(reason);
  }
}
