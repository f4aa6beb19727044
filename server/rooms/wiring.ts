/**
 * Builds the rooms module: service, grant keys, HTTP routes and the
 * signaling WebSocket, from the process's collaborators.
 */
import type http from 'node:http';
import type https from 'node:https';
import express, { type Router } from 'express';
import type { Config } from '../../config/index.js';
import { RoomMediaRegistry, type MediaWorkerPool, type PeerCaps } from '../../media/index.js';
import { requireSession, sessionFromCookieHeader, type PersonaHooks } from '../accounts/index.js';
import type { Logger } from '../logging/logger.js';
import { createSignaling, type SignalLimits } from '../signaling/index.js';
import type { Store } from '../store/index.js';
import { GrantKeys } from './grant-keys.js';
import { GrantIssuer } from './grants.js';
import { roomRoutes } from './room.controller.js';
import type { RoomEvents } from './room-events.js';
import { hallwayRoutes } from './hallway.js';
import type { RemoteRoomsPort } from './remote-rooms.js';
import type { CascadePort } from './room-handle.js';
import { RoomService, type RoomAudience } from './room.service.js';
import { webClientRoutes } from './web.controller.js';

export interface RoomsDeps {
  config: Config;
  store: Store;
  media: MediaWorkerPool;
  log: Logger;
  hooks: PersonaHooks;
  /** Answers follower checks for followers-only rooms; without it only the host sees them. */
  audience?: RoomAudience;
  /** Told about room lifecycle changes (federation announces rooms). */
  events?: RoomEvents;
  /** Rooms of other instances: the room list, the hallway and link lookup (federation provides it). */
  remote?: RemoteRoomsPort;
  /** Cascade integration: rooms of other instances joined through links (federation provides it). */
  cascade?: CascadePort;
  /** Tuning for tests; production uses the defaults. */
  options?: {
    grantTtlSeconds?: number;
    keyRotationMs?: number;
    signalLimits?: SignalLimits;
    peerCaps?: PeerCaps;
    now?: () => number;
  };
}

/** The running rooms module. */
export interface Rooms {
  readonly router: Router;
  readonly service: RoomService;
  readonly keys: GrantKeys;
  /** Cascade integration: the media registry and grant issuer remote rooms use on this instance. */
  readonly registry: RoomMediaRegistry;
  readonly grants: GrantIssuer;
  /** Resolves once grant keys are loaded and rooms live before a restart are picked up. */
  readonly ready: Promise<void>;
  attach(server: http.Server | https.Server): void;
  close(): Promise<void>;
}

/** Grants live minutes: a client refreshes them with `refreshGrant`. */
const GRANT_TTL_SECONDS = 600;
/** Signing keys rotate daily; the previous key stays published for the grants it signed. */
const KEY_ROTATION_MS = 24 * 60 * 60_000;
/** One Opus voice needs well under this. */
const MAX_INCOMING_BITRATE = 128_000;

export function createRooms(deps: RoomsDeps): Rooms {
  const { config, store } = deps;
  const log = deps.log.child({ module: 'rooms' });
  const now = deps.options?.now ?? Date.now;
  const rotationMs = deps.options?.keyRotationMs ?? KEY_ROTATION_MS;
  const keys = new GrantKeys(store.instance, rotationMs, now);
  const grants = new GrantIssuer(keys, config.http.publicUrl, deps.options?.grantTtlSeconds ?? GRANT_TTL_SECONDS, now);
  const registry = new RoomMediaRegistry(deps.media, {
    listenIp: config.media.listenIp,
    announcedIp: config.media.announcedIp,
    maxIncomingBitrate: MAX_INCOMING_BITRATE,
    log: deps.log,
    ...(deps.options?.peerCaps ? { caps: deps.options.peerCaps } : {}),
  });
  const service = new RoomService({
    store, publicUrl: config.http.publicUrl, registry, grants, log: deps.log, now,
    idleMs: config.rooms.idleTimeoutSeconds * 1000,
    ...(deps.audience ? { audience: deps.audience } : {}),
    ...(deps.events ? { events: deps.events } : {}),
    ...(deps.remote ? { remote: deps.remote } : {}),
  });
  const unsubscribe = [
    deps.hooks.onPersonaDeleted((event) => service.personaDeleted(event.personaId)),
    deps.hooks.provideHostedRooms((persona) => service.hostedRooms(persona.personaId)),
  ];
  const sessionOf = sessionFromCookieHeader({ config, store, now });
  const signaling = createSignaling({
    rooms: service, sessionOf, publicUrl: config.http.publicUrl, log: deps.log, hooks: deps.hooks,
    trustProxy: config.http.trustProxy,
    admission: {
      connectionsPerAddress: config.rooms.connectionsPerAddress,
      connectionsPerAccount: config.rooms.connectionsPerAccount,
      transportsPerAddress: config.media.transportsPerAddress,
      maxTransports: config.media.maxTransports,
      stageReserve: config.media.stageReserve,
    },
    transportTotal: () => registry.transportCount(),
    ...(deps.cascade ? { cascade: deps.cascade } : {}),
    ...(deps.options?.signalLimits ? { limits: deps.options.signalLimits } : {}),
  });

  const router = express.Router();
  router.use(hallwayRoutes({
    rooms: service, store, publicUrl: config.http.publicUrl, signedIn: [requireSession({ config, store, now })],
    ...(deps.remote ? { remote: deps.remote } : {}),
  }));
  router.use(roomRoutes({
    rooms: service,
    signedInWrite: [requireSession({ config, store, now }), express.json({ limit: '64kb' })],
    optionalSession: (req) => sessionOf(req.headers.cookie),
    jwks: async () => {
      await keys.ready();
      return keys.jwks();
    },
  }));
  router.use(webClientRoutes(config));

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
    router, service, keys, ready, registry, grants,
    attach: (server) => signaling.attach(server),
    async close() {
      clearInterval(rotation);
      for (const off of unsubscribe) off();
      await signaling.close();
      await service.close();
    },
  };
}
