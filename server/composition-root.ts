/**
 * The composition root: the only place that builds the modules and wires
 * them to each other (ADR 0022). Production (instance.ts) and the test
 * harnesses call {@link buildInstance}; tests change behaviour only through
 * {@link InstanceOverrides}, never by assembling a different subset.
 *
 * Order: store -> media -> federation -> rooms -> transports (signaling) ->
 * HTTP app. Modules know each other only through ports and domain events;
 * every subscription between modules is made here.
 */
import type http from 'node:http';
import type https from 'node:https';
import type { Express } from 'express';
import type { Config } from '../config/index.js';
import { Federation } from '../federation/index.js';
import { CascadeLinks } from '../federation/index.js';
import { MediaWorkerPool, type BackoffPolicy } from '../media/index.js';
import { createAccountsRouter, PersonaHooks, requireSession, sessionFromCookieHeader, type PersonaFederation, type ThrottleLimits } from './accounts/index.js';
import { createApp } from './http/app.js';
import type { Logger } from './core/logging/logger.js';
import { createRooms, type Rooms, type RoomsOptions } from './rooms/index.js';
import { createSignaling, type Signaling, type SignalLimits } from './signaling/index.js';
import { openStore, type Store } from './store/index.js';
import { webClientRoutes } from './web/web.controller.js';

/** What tests may change; production passes none. */
export interface InstanceOverrides {
  /** Restart backoff of dead media workers (tests use short ones). */
  restartBackoff?: Partial<BackoffPolicy>;
  /** false: the media workers are not started (tests of accounts alone; joins answer `media_unavailable`). */
  startMedia?: boolean;
  /** Rooms tuning (grant lifetime, key rotation, peer caps, the rooms' clock). */
  rooms?: RoomsOptions;
  /** Signaling message rate limits. */
  signalLimits?: SignalLimits;
  /** Accounts tuning: failed-login limits, the accounts' clock. */
  accounts?: { throttle?: ThrottleLimits; now?: () => number };
  /** Stands in for federation's persona actors in the accounts module (tests of accounts alone, which inspect it). */
  personaFederation?: PersonaFederation;
}

/** The assembled modules, not yet attached to a server. */
export interface BuiltInstance {
  readonly store: Store;
  readonly media: MediaWorkerPool;
  readonly federation: Federation;
  readonly rooms: Rooms;
  readonly hooks: PersonaHooks;
  readonly signaling: Signaling;
  /** Cascade links: rooms here joined from other instances, rooms elsewhere joined from here. */
  readonly links: CascadeLinks;
  readonly app: Express;
  /** Puts the signaling WebSocket on `server`. */
  attach(server: http.Server | https.Server): void;
  /** Closes every connection and room (first, before the HTTP server drains). */
  closeSessions(): Promise<void>;
  /** Closes sessions (if not yet), then federation, media and store. */
  close(): Promise<void>;
}

export interface BuildDeps {
  log: Logger;
  version: string;
  overrides?: InstanceOverrides;
}

/** Runs the undo steps of a failed build in reverse order, then rethrows. */
async function unwind(undo: Array<() => Promise<void>>, error: unknown): Promise<never> {
  for (const step of undo.reverse()) {
    try {
      await step();
    } catch {
      // keep unwinding: the original error is the one to report
    }
  }
  throw error;
}

/** Builds and wires every module; a failure at any step closes what was opened and rethrows. */
export async function buildInstance(config: Config, deps: BuildDeps): Promise<BuiltInstance> {
  const { log, version } = deps;
  const overrides = deps.overrides ?? {};
  const undo: Array<() => Promise<void>> = [];
  try {
    const store = await openStore({
      dataDir: config.storage.dataDir,
      ...(config.storage.mongodbUrl ? { mongodbUrl: config.storage.mongodbUrl } : {}),
      log,
    });
    undo.push(() => store.close());

    const media = new MediaWorkerPool({
      size: config.media.workers,
      logLevel: config.media.logLevel,
      rtcMinPort: config.media.rtcMinPort,
      rtcMaxPort: config.media.rtcMaxPort,
      webRtcServer: { listenIp: config.media.listenIp, announcedIp: config.media.announcedIp },
      log,
      ...(overrides.restartBackoff ? { restartBackoff: overrides.restartBackoff } : {}),
    });
    undo.push(() => media.close());
    if (overrides.startMedia !== false) await media.start();

    const federation = await Federation.create({ config, store, personas: store.personas, log, version });
    undo.push(() => federation.stop());
    federation.start();

    const hooks = new PersonaHooks();
    const roomsNow = overrides.rooms?.now;
    const auth = {
      requireSession: requireSession({ config, store, ...(roomsNow ? { now: roomsNow } : {}) }),
      sessionOf: sessionFromCookieHeader({ config, store, ...(roomsNow ? { now: roomsNow } : {}) }),
    };
    const rooms = createRooms({
      publicUrl: config.http.publicUrl,
      rooms: config.rooms,
      media: config.media,
      repositories: { rooms: store.rooms, personas: store.personas, instance: store.instance },
      pool: media,
      log,
      auth,
      follows: federation,
      remote: federation.rooms.catalog,
      ...(overrides.rooms ? { options: overrides.rooms } : {}),
    });
    undo.push(() => rooms.close());

    // Rooms -> federation: local rooms are announced as they change.
    rooms.service.events.on('changed', ({ change, roomId }) => federation.rooms.events.changed(change, roomId));
    rooms.service.events.on('deleted', (snapshot) => federation.rooms.events.deleted(snapshot));
    federation.rooms.attachSource(rooms.service);
    // Federation -> rooms: a follow that ends (unfollow, block) may end a persona's
    // right to be in a followers-only room; a purged actor leaves every room at once.
    federation.events.on('followsEnded', ({ actors }) =>
      rooms.service.followsEnded(actors.flatMap((a) => (a.localHandle === null ? [] : [a.localHandle]))));
    federation.events.on('actorPurged', ({ actorId, localHandle }) => rooms.service.actorPurged(actorId, localHandle));
    // Accounts -> rooms: a deleted persona's rooms end and it leaves every room; exports list hosted rooms.
    hooks.onPersonaDeleted((event) => rooms.service.personaDeleted(event.personaId));
    hooks.provideHostedRooms((persona) => rooms.service.hostedRooms(persona.personaId));
    // Media -> rooms: nothing to wire here. A dead worker closes its routers;
    // each live room watches its own media and moves itself (LiveRoom).

    // Cascade links (issue 11): the host side answers link requests at the join endpoint and
    // enters remote participants through the rooms' ports; the linking side joins rooms of
    // other instances for signaling, behind the same directory port.
    const links = new CascadeLinks({
      publicUrl: config.http.publicUrl,
      store,
      remote: federation.remote,
      log,
      settings: {
        incoming: config.federation.linksIncoming,
        outgoing: config.federation.linksOutgoing,
        maxPerRoom: config.federation.linksPerRoom,
        requestsPerHostPerMinute: config.federation.linkRequestsPerHostPerMinute,
        graceMs: config.federation.linkGraceSeconds * 1000,
        listenIp: config.media.listenIp,
        announcedIp: config.media.announcedIp,
      },
      post: (url, body) => federation.signedPost(url, body),
      isFollower: (actorId, followerActorId) => federation.isFollower(actorId, followerActorId),
    });
    links.attachRooms({ service: rooms.service, registry: rooms.registry, grants: rooms.grants });
    undo.push(() => Promise.resolve(links.close()));

    // Transports on top of the rooms' ports.
    const signaling = createSignaling({
      rooms: links.directory(rooms.service),
      sessionOf: auth.sessionOf,
      publicUrl: config.http.publicUrl,
      log,
      hooks,
      trustProxy: config.http.trustProxy,
      admission: {
        connectionsPerAddress: config.rooms.connectionsPerAddress,
        connectionsPerAccount: config.rooms.connectionsPerAccount,
        transportsPerAddress: config.media.transportsPerAddress,
        maxTransports: config.media.maxTransports,
        stageReserve: config.media.stageReserve,
      },
      transportTotal: () => rooms.registry.transportCount(),
      ...(overrides.signalLimits ? { limits: overrides.signalLimits } : {}),
    });
    undo.push(() => signaling.close());
    await rooms.ready;

    const accountsNow = overrides.accounts?.now;
    const app = createApp({
      log,
      routers: [
        createAccountsRouter({
          config, store, log, hooks,
          federation: overrides.personaFederation ?? federation.personas,
          ...(overrides.accounts?.throttle ? { throttle: overrides.accounts.throttle } : {}),
          ...(accountsNow ? { now: accountsNow } : {}),
        }),
        rooms.router,
        webClientRoutes(config),
        federation.socialRouter(requireSession({ config, store })),
        links.router(),
        federation.router(),
      ],
      trustProxy: config.http.trustProxy,
      health: {
        version,
        storeKind: store.kind,
        pingStore: () => store.ping(),
        mediaWorkersAlive: () => media.aliveCount(),
      },
    });

    let sessionsClosed: Promise<void> | undefined;
    const closeSessions = (): Promise<void> => {
      sessionsClosed ??= (async () => {
        links.close();
        await signaling.close();
        await rooms.close();
      })();
      return sessionsClosed;
    };
    let closed: Promise<void> | undefined;
    return {
      store, media, federation, rooms, hooks, signaling, links, app,
      attach: (server) => {
        // Control channels of cascade links first: signaling leaves their path alone.
        links.attach(server);
        signaling.attach(server);
      },
      closeSessions,
      close() {
        closed ??= (async () => {
          await closeSessions();
          await federation.stop();
          await media.close();
          await store.close();
        })();
        return closed;
      },
    };
  } catch (e) {
    return unwind(undo, e);
  }
}
