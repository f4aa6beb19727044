/**
 * Builds the rooms module: service, grant keys, media registry and HTTP
 * routes, from the narrow collaborators it uses. The composition root
 * (server/composition-root.ts) calls it and puts transports (signaling) on
 * top; nothing here knows a transport.
 */
import express, { type RequestHandler, type Router } from 'express';
import type { Config } from '../../config/index.js';
import { RoomMediaRegistry, type MediaWorkerPool, type PeerCaps } from '../../media/index.js';
import type { AuthContext } from '../accounts/index.js';
import type { Logger } from '../core/logging/logger.js';
import type { InstanceRepository, RoomRepository } from '../store/index.js';
import { GrantKeys } from './grant-keys.js';
import { GrantIssuer } from './grants.js';
import { roomRoutes } from './room.controller.js';
import { RoomModerator } from './room-moderation.js';
import { hallwayRoutes } from './hallway.js';
import type { RemoteRoomsPort } from './remote-rooms.js';
import { RoomService, type FollowGraph, type RoomPersonas } from './room.service.js';

/** How rooms learn who is signed in (the accounts module provides both). */
export interface RoomsAuth {
  /** Middleware: 401 unless the request carries a live session. */
  requireSession: RequestHandler;
  /** Who the Cookie header belongs to. */
  sessionOf(cookieHeader: string | undefined): Promise<AuthContext | undefined>;
}

export interface RoomsDeps {
  publicUrl: string;
  rooms: Config['rooms'];
  media: Pick<Config['media'], 'listenIp' | 'announcedIp'> & Partial<Pick<Config['media'], 'spreadConsumersPerRouter'>>;
  repositories: { rooms: RoomRepository; personas: RoomPersonas; instance: InstanceRepository };
  pool: MediaWorkerPool;
  log: Logger;
  auth: RoomsAuth;
  /** Who follows whom, for followers-only rooms (federation); without it only the host sees them. */
  follows?: FollowGraph;
  /** Rooms of other instances: the room list, the hallway and link lookup (federation provides it). */
  remote?: RemoteRoomsPort;
  /** Whether a persona's rooms are hidden from everyone else (a suspended account); none are without it. */
  hiddenHost?: (hostPersonaId: string) => Promise<boolean>;
  /** Runs before a room is created, after the body is valid (the spam limit: 429 with Retry-After). */
  createLimit?: RequestHandler;
  /** Instances (`host[:port]`) whose people may listen but not be invited on stage (limited by moderators). */
  stageRefused?: (host: string) => boolean;
  options?: RoomsOptions;
}

/** Tuning for tests; production uses the defaults. */
export interface RoomsOptions {
  grantTtlSeconds?: number;
  keyRotationMs?: number;
  peerCaps?: PeerCaps;
  now?: () => number;
}

/** The running rooms module. */
export interface Rooms {
  readonly router: Router;
  readonly service: RoomService;
  /** What instance moderators do to local rooms. */
  readonly moderation: RoomModerator;
  readonly keys: GrantKeys;
  readonly registry: RoomMediaRegistry;
  /** Issues join grants (cascade links issue them for rooms of other instances too). */
  readonly grants: GrantIssuer;
  /** Resolves once grant keys are loaded and rooms live before a restart are picked up. */
  readonly ready: Promise<void>;
  close(): Promise<void>;
}

/** Grants live minutes: a client refreshes them with `refreshGrant`. */
const GRANT_TTL_SECONDS = 600;
/** Signing keys rotate daily; the previous key stays published for the grants it signed. */
const KEY_ROTATION_MS = 24 * 60 * 60_000;
/** One Opus voice needs well under this. */
const MAX_INCOMING_BITRATE = 128_000;

export function createRooms(deps: RoomsDeps): Rooms {
  const { publicUrl, repositories } = deps;
  const log = deps.log.child({ module: 'rooms' });
  const now = deps.options?.now ?? Date.now;
  const rotationMs = deps.options?.keyRotationMs ?? KEY_ROTATION_MS;
  const keys = new GrantKeys(repositories.instance, rotationMs, now);
  const grants = new GrantIssuer(keys, publicUrl, deps.options?.grantTtlSeconds ?? GRANT_TTL_SECONDS, now);
  const registry = new RoomMediaRegistry(deps.pool, {
    listenIp: deps.media.listenIp,
    announcedIp: deps.media.announcedIp,
    spreadConsumersPerRouter: deps.media.spreadConsumersPerRouter ?? 0,
    maxIncomingBitrate: MAX_INCOMING_BITRATE,
    log: deps.log,
    ...(deps.options?.peerCaps ? { caps: deps.options.peerCaps } : {}),
  });
  const service = new RoomService({
    rooms: repositories.rooms, personas: repositories.personas, publicUrl, registry, grants, log: deps.log, now,
    idleMs: deps.rooms.idleTimeoutSeconds * 1000,
    ...(deps.follows ? { follows: deps.follows } : {}),
    ...(deps.remote ? { remote: deps.remote } : {}),
    ...(deps.hiddenHost ? { hiddenHost: deps.hiddenHost } : {}),
    ...(deps.stageRefused ? { stageRefused: deps.stageRefused } : {}),
  });
  const moderation = new RoomModerator({ service, rooms: repositories.rooms, personas: repositories.personas, log });

  const router = express.Router();
  router.use(hallwayRoutes({
    rooms: service, personas: repositories.personas, publicUrl, signedIn: [deps.auth.requireSession],
    ...(deps.remote ? { remote: deps.remote } : {}),
    ...(deps.follows ? { actors: deps.follows } : {}),
  }));
  router.use(roomRoutes({
    rooms: service,
    signedInWrite: [deps.auth.requireSession, express.json({ limit: '64kb' })],
    ...(deps.createLimit ? { createLimit: deps.createLimit } : {}),
    optionalSession: (req) => deps.auth.sessionOf(req.headers.cookie),
    jwks: async () => {
      await keys.ready();
      return keys.jwks();
    },
  }));

  const rotation = setInterval(() => {
    keys.ready().catch((e: unknown) => log.error({ err: e }, 'rotating the grant signing keys failed'));
  }, Math.min(rotationMs, 60 * 60_000));
  rotation.unref();

  const ready = (async () => {
    await keys.ready();
    await service.restore();
  })();
  ready.catch((e: unknown) => log.error({ err: e }, 'rooms failed to start'));

  return {
    router, service, moderation, keys, registry, grants, ready,
    async close() {
      clearInterval(rotation);
      await service.close();
    },
  };
}
