/**
 * The composition root: the only place that builds the modules and wires
 * them to each other (ADR 0022). Production (instance.ts) and the test
 * harnesses call {@link buildInstance}; tests change behaviour only through
 * {@link InstanceOverrides}, never by assembling a different subset.
 *
 * Order: store -> moderation (every door asks it from the first request on)
 * -> media -> federation -> rooms -> cascade links -> transports (signaling)
 * -> HTTP app. Modules know each other only through ports and domain
 * events; every subscription between modules is made here.
 */
import type http from 'node:http';
import type https from 'node:https';
import type { Express } from 'express';
import type { Config } from '../config/index.js';
import { CascadeLinks, Federation } from '../federation/index.js';
import { MediaWorkerPool, type BackoffPolicy } from '../media/index.js';
import { createAccountsRouter, PersonaHooks, requireSession, sessionFromCookieHeader, type PersonaFederation, type ThrottleLimits } from './accounts/index.js';
import { createApp } from './http/app.js';
import type { Logger } from './core/logging/logger.js';
import { createModeration, type Moderation } from './moderation/index.js';
import { createRooms, type Rooms, type RoomsOptions } from './rooms/index.js';
import { createSignaling, type Signaling, type SignalLimits } from './signaling/index.js';
import { openStore, type SqliteConnection, type Store } from './store/index.js';
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
  /** Moderation tuning: how often blocks and suspensions made with the command line are re-read. */
  moderation?: { refreshMs?: number };
  /** Handed the SQLite store's own connection once opened (store-fault tests make it refuse writes with `PRAGMA query_only`). */
  onSqliteConnection?: (db: SqliteConnection) => void;
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
  /** Roles, domain blocks, suspensions, reports, the audit log, instance settings, spam limits. */
  readonly moderation: Moderation;
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
      onSqliteConnection: overrides.onSqliteConnection,
    });
    undo.push(() => store.close());

    const roomsNow = overrides.rooms?.now;
    const auth = {
      requireSession: requireSession({ config, store, ...(roomsNow ? { now: roomsNow } : {}) }),
      sessionOf: sessionFromCookieHeader({ config, store, ...(roomsNow ? { now: roomsNow } : {}) }),
    };

    // Before federation: the inbox, key fetches, deliveries and remote fetches ask it from the start.
    const moderation = createModeration({
      config, store, log, requireSession: auth.requireSession,
      ...(overrides.moderation?.refreshMs !== undefined ? { refreshMs: overrides.moderation.refreshMs } : {}),
    });
    undo.push(() => Promise.resolve(moderation.close()));
    await moderation.load();
    const suspended = (host: string): boolean => moderation.blocks.levelOf(host) === 'suspend';
    const limited = (host: string): boolean => moderation.blocks.levelOf(host) === 'limit';
    const suspendedAccountOf = (persona: { accountId: string } | undefined): boolean =>
      persona !== undefined && moderation.suspensions.isSuspended(persona.accountId);

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

    const federation = await Federation.create({
      config, store, personas: store.personas, log, version,
      moderation: {
        levelOf: (host) => moderation.blocks.levelOf(host),
        registrationOpen: () => moderation.settings.value.registration === 'open',
        receiveFlag: (flag) => moderation.reports.receiveFlag(flag),
        isHiddenActor: async (actorId) => {
          const handle = federation.localHandleOf(actorId);
          return handle !== null && suspendedAccountOf(await store.personas.findByHandle(handle));
        },
      },
    });
    undo.push(() => federation.stop());
    federation.start();

    const hooks = new PersonaHooks();
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
      // Moderation's sides: a suspended account's rooms are hidden, the spam limit on creation,
      // people of limited instances listen but are not invited on stage.
      hiddenHost: async (personaId) => suspendedAccountOf(await store.personas.findById(personaId)),
      createLimit: moderation.limits.middleware('rooms'),
      stageRefused: limited,
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
      // A suspended instance's link requests are refused and its keys never fetched.
      isBlockedHost: suspended,
    });
    links.attachRooms({ service: rooms.service, registry: rooms.registry, grants: rooms.grants });
    undo.push(() => Promise.resolve(links.close()));

    // Moderation <-> the others. Commands through ports (moderators act on local rooms,
    // reports resolve remote actors and forward Flags); effects through domain events.
    moderation.attach({
      rooms: rooms.moderation,
      remote: {
        resolve: (target) => federation.reportTarget(target),
        forward: async (actorId, comment) => (await federation.actions.report(actorId, comment)).ok,
      },
    });
    // A suspended domain: its links close (its people leave rooms here, ours leave its rooms),
    // anyone of it still in a room leaves, and federation purges its deliveries, rooms and actors.
    moderation.events.on('domainSuspended', async ({ domain }) => {
      const linksClosed = await links.closeDomain(domain, 'domain_blocked');
      const participantsRemoved = await rooms.moderation.removeDomainParticipants(domain);
      const purged = await federation.purgeDomain(domain);
      log.child({ module: 'moderation' }).info({ domain, linksClosed, participantsRemoved, ...purged }, 'domain suspended');
    });
    // A suspended account: its personas leave every room (their rooms end), its live sockets follow its ended sessions.
    moderation.events.on('accountSuspended', async ({ accountId, personaIds }) => {
      await rooms.moderation.removePersonasEverywhere(personaIds, 'account_suspended');
      await hooks.emitSessionsChanged({ accountId });
    });
    // Accounts -> moderation: the first account (or a configured one) becomes admin, sign-in asks
    // whether an account is suspended, a deleted account's role and audit name are forgotten.
    hooks.onAccountCreated((account) => moderation.roles.accountCreated(account));
    hooks.onAccountDeleted(({ accountId }) => moderation.accountDeleted(accountId));
    hooks.provideSuspensionCheck((accountId) => moderation.suspensions.isSuspended(accountId));
    hooks.provideRoleLookup((account) => moderation.roles.roleOf(account));

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
    // Blocks made while the server was down are purged now (the purges are idempotent).
    await moderation.blocks.announceSuspended();

    const accountsNow = overrides.accounts?.now;
    const app = createApp({
      log,
      routers: [
        // A suspended instance's signed requests (fetches of actors, rooms...) are refused before anything else.
        federation.blockedSignersGuard(),
        createAccountsRouter({
          config, store, log, hooks,
          registrationMode: () => moderation.settings.value.registration,
          onInvitesCreated: (by, count) => moderation.audit.record(by, 'invite.create', `${count} invite code${count === 1 ? '' : 's'}`),
          federation: overrides.personaFederation ?? federation.personas,
          ...(overrides.accounts?.throttle ? { throttle: overrides.accounts.throttle } : {}),
          ...(accountsNow ? { now: accountsNow } : {}),
        }),
        moderation.router,
        rooms.router,
        webClientRoutes(config, () => moderation.settings.value),
        federation.socialRouter(requireSession({ config, store }), { followLimit: moderation.limits.middleware('follows') }),
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
        moderation.close();
        links.close();
        await signaling.close();
        await rooms.close();
      })();
      return sessionsClosed;
    };
    let closed: Promise<void> | undefined;
    return {
      store, media, federation, rooms, hooks, signaling, links, moderation, app,
      attach: (server) => {
        // Control channels of cascade links first: signaling leaves their path alone.
        links.attach(server);
        signaling.attach(server);
      },
      closeSessions,
      close() {
        closed ??= (async () => {
          await closeSessions();
          moderation.close();
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
