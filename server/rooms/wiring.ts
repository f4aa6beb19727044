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
import { RoomModerator } from './room-moderation.js';
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
  /** Whether a persona's rooms are hidden from everyone else (a suspended account); none are without it. */
  hiddenHost?: (hostPersonaId: string) => Promise<boolean>;
  /** Runs before a room is created, after the body is valid (the spam limit: 429 with Retry-After). */
  createLimit?: express.RequestHandler;
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
  /** What instance moderators do to local rooms. */
  readonly moderation: RoomModerator;
  readonly keys: GrantKeys;
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
    ...(deps.hiddenHost ? { hiddenHost: deps.hiddenHost } : {}),
  });
  const moderation = new RoomModerator({ service, store, log });
  const unsubscribe = [
    deps.hooks.onPersonaDeleted((event) => service.personaDeleted(event.personaId)),
    deps.hooks.provideHostedRooms((persona) => service.hostedRooms(persona.personaId)),
  ];
  const sessionOf = sessionFromCookieHeader({ config, store, now });
  const signaling = createSignaling({
    rooms: service, sessionOf, publicUrl: config.http.publicUrl, log: deps.log,
    ...(deps.options?.signalLimits ? { limits: deps.options.signalLimits } : {}),
  });

  const router = express.Router();
  router.use(roomRoutes({
    rooms: service,
    signedInWrite: [requireSession({ config, store, now }), express.json({ limit: '64kb' })],
    ...(deps.createLimit ? { createLimit: deps.createLimit } : {}),
    optionalSession: (req) => sessionOf(req.headers.cookie),
    jwks: async () => {
      await keys.ready();
      return keys.jwks();
    },
  }));
  router.use(webClientRoutes());

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
    router, service, moderation, keys, ready,
    attach: (server) => signaling.attach(server),
    async close() {
      clearInterval(rotation);
      for (const off of unsubscribe) off();
      await signaling.close();
      await service.close();
    },
  };
}
