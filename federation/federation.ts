import { randomUUID } from 'node:crypto';
import { Router, type RequestHandler } from 'express';
import type { Config } from '../config/index.js';
import { DomainEvents } from '../server/core/domain-events.js';
import { hostOnDomain } from '../server/core/domains.js';
import { sendError } from '../server/core/http-errors.js';
import type { Logger } from '../server/core/logging/logger.js';
import type { PersonaRepository, Store } from '../server/store/index.js';
import type { ApexApi } from './apex/apex-api.js';
import { AP_ROUTES, createApex } from './apex/create-apex.js';
import { InstanceActor } from './actors/instance-actor.js';
import { PersonaActions } from './actors/persona-actions.js';
import { first } from './actors/persona-actor.js';
import { PersonaActors } from './actors/persona-federation.js';
import { RemoteActors, type DocumentFetcher } from './actors/remote-actors.js';
import { DeliveryQueue, receiptHandler } from './delivery/index.js';
import { activityPubReadRouter } from './http/activitypub-routes.js';
import { claimedKeyHost, inboxRouter } from './http/inbox-routes.js';
import type { FederationModeration } from './moderation-port.js';
import { PageCursors } from './http/page-cursors.js';
import { socialRouter } from './http/social-routes.js';
import { wellKnownRouter } from './http/well-known.js';
import { parseInboundActivity } from './inbox/inbound-activity.js';
import { InboxProcessor } from './inbox/inbox-processor.js';
import { createDocumentLoader, installDocumentLoader, MemoryContextCache } from './jsonld/index.js';
import { SafeFetcher } from './net/index.js';
import { FederatedRooms } from './rooms/index.js';
import { createRequestSigner } from './signatures/index.js';
import { InboundAdmission } from './http/inbound-admission.js';

/** An actor as federation's events name it: its id, and its handle when it is a persona of this instance. */
export interface ActorRef {
  actorId: string;
  localHandle: string | null;
}

/** Federation's domain events (server/core/domain-events.ts), on `Federation.events`. */
export type FederationEvents = {
  /** No follow remains between these two actors (unfollow, block either way, a rejected follow). */
  followsEnded: { actors: [ActorRef, ActorRef] };
  /** An actor was purged (a local persona deleted, or an inbound Delete of a remote actor). */
  actorPurged: ActorRef;
};

export interface FederationDeps {
  config: Pick<Config, 'http' | 'federation' | 'accounts'>;
  store: Pick<Store, 'apex' | 'instance' | 'federation' | 'delivery' | 'remoteRooms' | 'checkpoint' | 'storeInbound'>;
  /** Local personas (the inbox reads whether one approves followers by hand). */
  personas: Pick<PersonaRepository, 'findByHandle'>;
  log: Logger;
  version: string;
  /** Domain blocks, the reports queue and suspended accounts; nothing is blocked without it. */
  moderation?: FederationModeration;
}

/**
 * Everything ActivityPub, assembled: the safe client, the instance actor,
 * apex with its unsafe parts replaced, the durable delivery queue, the inbox,
 * and the persona actors the accounts layer drives.
 */
export class Federation {
  readonly apex: ApexApi;
  readonly personas: PersonaActors;
  readonly actions: PersonaActions;
  readonly remote: RemoteActors;
  readonly delivery: DeliveryQueue;
  readonly inbox: InboxProcessor;
  /** Rooms across instances: announcing local rooms, storing and listing remote ones. */
  readonly rooms: FederatedRooms;
  /** Follows that ended, actors purged: the composition root subscribes rooms to them. */
  readonly events: DomainEvents<FederationEvents>;

  private constructor(
    private readonly deps: FederationDeps,
    private readonly fetcher: SafeFetcher,
    private readonly instanceActor: InstanceActor,
    private readonly cursors: PageCursors,
  ) {
    const { config, store, log, version } = deps;
    const publicUrl = config.http.publicUrl;
    const flog = log.child({ module: 'federation' });
    const moderation = deps.moderation;
    const suspendedHost = (host: string): boolean => moderation?.levelOf(host) === 'suspend';
    this.events = new DomainEvents((e, event) => flog.error({ err: e, event }, 'a federation event listener failed'));

    this.delivery = new DeliveryQueue({
      repository: store.delivery,
      http: fetcher,
      log,
      isBlockedHost: suspendedHost,
      options: { leaseMs: config.federation.deliveryLeaseSeconds * 1000 },
      // A deletion's Delete ended and its key was erased: the store's log must not keep the key.
      afterReceiptJobEnded: () => store.checkpoint(),
    });
    const documents: DocumentFetcher = {
      activityPub: async (url) => {
        const result = await fetcher.fetchActivityPub(url, { sign: true });
        if (!result.ok) flog.info({ url, reason: result.error.kind }, 'remote document refused');
        return result.ok ? result.value : null;
      },
      json: async (url) => {
        const result = await fetcher.request(url, { headers: { accept: 'application/jrd+json, application/json' } });
        if (!result.ok || result.value.status !== 200) return null;
        try {
          const parsed = JSON.parse(result.value.body.toString('utf8')) as unknown;
          return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null;
        } catch {
          return null;
        }
      },
    };

    this.apex = createApex({
      publicUrl,
      version,
      store: store.apex,
      log: flog,
      openRegistrations: config.accounts.registration === 'open',
      hooks: {
        fetchDocument: (url) => documents.activityPub(url),
        enqueueDelivery: async ({ actorId, keyId, privateKeyPem, body, inboxes }) => {
          // Personas of this instance are delivered to in-process: no HTTP
          // round trip to ourselves, no signature to check on our own word.
          const local = inboxes.filter((i) => i.startsWith(`${publicUrl}/`));
          const remote = inboxes.filter((i) => !i.startsWith(`${publicUrl}/`));
          if (local.length > 0) await this.deliverLocally(body);
          if (remote.length === 0) return;
          const result = await this.delivery.enqueue({ activity: body, inboxes: remote, keyId, privateKeyPem });
          if (!result.ok) flog.error({ reason: result.error.kind, actor: actorId }, 'delivery not queued');
          else await store.federation.recordContacts(actorId, remote);
        },
      },
    });
    // Contexts off the bundled list are kept in memory for a while, never in the store.
    installDocumentLoader(this.apex, createDocumentLoader({
      fetcher,
      cache: new MemoryContextCache(),
      log,
    }));

    this.remote = new RemoteActors({ apex: this.apex, store, fetcher: documents, log: flog, publicUrl, isBlockedHost: suspendedHost });
    this.personas = new PersonaActors({
      apex: this.apex,
      store,
      publicUrl,
      log: flog,
      instanceSigner: { actorId: instanceActor.id, keyId: instanceActor.keyId, privateKeyPem: instanceActor.privateKeyPem },
      deletions: {
        sendDeletion: async ({ activity: doc, inboxes, signer, actorKeyId, delayMs }) => {
          const activity = { ...doc, id: String(doc.id) };
          // Nothing else of a deleted persona goes out any more, and nothing it
          // sent stays queued (the bodies carry its profile): only its Delete.
          const deleted = await this.delivery.deleteForKey(actorKeyId);
          if (deleted > 0) flog.info({ deleted }, 'queued deliveries of a deleted persona deleted');
          const receiptId = await this.delivery.createReceipt({ actorId: String(doc.object) });
          const result = await this.delivery.enqueue({
            activity, inboxes, keyId: signer.keyId, privateKeyPem: signer.privateKeyPem, batchId: receiptId, delayMs,
          });
          if (!result.ok) throw new Error(`deletion could not be queued: ${result.error.kind}`);
          return { receiptId };
        },
      },
      onPurged: (actorId) => this.events.emit('actorPurged', this.actorRef(actorId)),
    });
    this.rooms = new FederatedRooms({
      apex: this.apex, store, publicUrl, log, fetchDocument: (url) => documents.activityPub(url),
      isLimitedHost: (host) => moderation?.levelOf(host) === 'limit',
    });
    const followsEnded = (a: string, b: string): Promise<void> => this.followsEnded(a, b);
    this.inbox = new InboxProcessor({
      apex: this.apex, store, log: log.child({ module: 'federation.inbox' }), personas: this.personas, rooms: this.rooms.inbox, followsEnded,
      delivery: this.delivery,
      ...(moderation ? { moderation } : {}),
      settings: {
        approveFollowers: async (actorId) => {
          const handle = this.localHandleOf(actorId);
          return handle === null ? undefined : (await deps.personas.findByHandle(handle))?.approveFollowers;
        },
      },
      isGone: async (url) => {
        const result = await fetcher.fetchActivityPub(url, { sign: true });
        return !result.ok && result.error.kind === 'bad-status' && (result.error.status === 410 || result.error.status === 404);
      },
    });
    this.actions = new PersonaActions({
      apex: this.apex,
      store,
      remote: this.remote,
      inbox: () => this.inbox,
      followsEnded,
      reports: {
        sendReport: async ({ targetActor, inbox, comment }) => {
          const activity = {
            '@context': 'https://www.w3.org/ns/activitystreams',
            id: `${publicUrl}/reports/${randomUUID()}`,
            type: 'Flag',
            actor: instanceActor.id,
            object: [targetActor],
            content: comment,
          };
          const result = await this.delivery.enqueue({ activity, inboxes: [inbox], keyId: instanceActor.keyId, privateKeyPem: instanceActor.privateKeyPem });
          if (!result.ok) throw new Error(`report could not be queued: ${result.error.kind}`);
        },
      },
    });
  }

  /** Runs an activity of one local persona addressed to another through the inbox handlers, once. */
  private async deliverLocally(body: string): Promise<void> {
    const { store, log } = this.deps;
    const parsed = parseInboundActivity(JSON.parse(body) as unknown);
    if (!parsed.ok) {
      log.error({ reason: parsed.error.message }, 'local delivery: not an activity');
      return;
    }
    if (!(await store.federation.claimInbound(parsed.value.id, new Date().toISOString()))) return;
    const outcome = await this.inbox.process(parsed.value);
    // A persona's Update reaching its local followers is expected and changes nothing: local actors are never overwritten.
    if (!outcome.ok && outcome.error.code !== 'local_object') log.warn({ reason: outcome.error.code }, 'local delivery refused');
  }

  /**
   * POSTs a JSON body signed by the instance actor through the safe client
   * (cascade link requests); null when the other server cannot be reached.
   */
  async signedPost(url: string, body: string): Promise<{ status: number; body: string } | null> {
    const result = await this.fetcher.request(url, { method: 'POST', body, headers: { 'content-type': 'application/json', accept: 'application/json' }, sign: true });
    if (!result.ok) {
      this.deps.log.child({ module: 'federation.links' }).info({ url, reason: result.error.kind }, 'link request not answered');
      return null;
    }
    return { status: result.value.status, body: result.value.body.toString('utf8') };
  }

  /** Whether `followerActorId` follows `actorId` (an accepted follow), for followers-only rooms. */
  async isFollower(actorId: string, followerActorId: string): Promise<boolean> {
    const actor = await this.deps.store.apex.getObject(actorId);
    const followers = first(actor?.followers);
    if (!followers) return false;
    return (await this.deps.store.apex.findActivityByCollectionAndActorId(followers, followerActorId)) !== null;
  }

  /**
   * A domain was suspended: its queued deliveries are dropped, its stored
   * rooms forgotten (gone from every hallway and room list), and its cached
   * actors purged with every follow and activity of theirs (the actor-purged
   * event fires for each, so rooms drop them too). Idempotent.
   */
  async purgeDomain(domain: string): Promise<{ deliveries: number; rooms: number; actors: number }> {
    const { store } = this.deps;
    const deliveries = await this.delivery.cancelForHosts((host) => hostOnDomain(host, domain), 'instance suspended by moderators');
    const rooms = await store.remoteRooms.deleteOnDomain(domain);
    const ids = await store.federation.objectIdsOnDomain(domain);
    for (const id of ids) await this.personas.purgeRemoteActor(id);
    return { deliveries, rooms, actors: ids.length };
  }

  /** Resolves a remote actor for a report: its URL and a `handle@host` label. */
  async reportTarget(target: string): Promise<{ actorId: string; label: string } | undefined> {
    const resolved = await this.remote.resolve(target);
    if (!resolved.ok) return undefined;
    const name = first(resolved.actor.preferredUsername);
    return { actorId: resolved.actor.id, label: name ? `${name}@${new URL(resolved.actor.id).host}` : resolved.actor.id };
  }

  /** Refuses any request signed by a key of a suspended instance (signed fetches of personas, rooms...), before anything else. */
  blockedSignersGuard(): Router {
    const router = Router();
    router.use((req, res, next) => {
      const host = claimedKeyHost(req.headers);
      if (host !== undefined && this.deps.moderation?.levelOf(host) === 'suspend') {
        sendError(res, 403, 'instance_blocked', 'this instance does not serve your server');
        return;
      }
      next();
    });
    return router;
  }

  /** Loads the instance actor (creating its key pair on first boot) and builds everything. */
  static async create(deps: FederationDeps): Promise<Federation> {
    const { config, store, log, version } = deps;
    const instanceActor = await InstanceActor.load(store.instance, config.http.publicUrl);
    const fetcher = new SafeFetcher({
      isBlockedHost: (host) => deps.moderation?.levelOf(host) === 'suspend',
      allowPrivate: config.federation.allowPrivate,
      userAgent: `Hearth/${version} (+${config.http.publicUrl})`,
      log,
      signer: createRequestSigner({ keyId: instanceActor.keyId, privateKeyPem: instanceActor.privateKeyPem }),
    });
    return new Federation(deps, fetcher, instanceActor, await PageCursors.load(store.instance));
  }

  /**
   * The handle of a persona of this instance from its actor id (the actor
   * URL scheme is federation's), or null for any other actor.
   */
  localHandleOf(actorId: string): string | null {
    const prefix = `${this.deps.config.http.publicUrl.toLowerCase()}/u/`;
    if (!actorId.toLowerCase().startsWith(prefix)) return null;
    const handle = actorId.slice(prefix.length).toLowerCase();
    return handle.length > 0 && !handle.includes('/') ? handle : null;
  }

  private actorRef(actorId: string): ActorRef {
    return { actorId, localHandle: this.localHandleOf(actorId) };
  }

  private followsEnded(actorA: string, actorB: string): Promise<void> {
    return this.events.emit('followsEnded', { actors: [this.actorRef(actorA), this.actorRef(actorB)] });
  }

  /** All federation routes: discovery, ActivityPub documents, inboxes, deletion receipts. */
  router(): Router {
    const { store, log, config } = this.deps;
    const router = Router();
    router.use(wellKnownRouter({
      apex: this.apex,
      store,
      publicUrl: config.http.publicUrl,
      version: this.deps.version,
      openRegistrations: () => this.deps.moderation?.registrationOpen?.() ?? config.accounts.registration === 'open',
    }));
    router.use(this.instanceActor.router());
    router.use(inboxRouter({
      store,
      log: log.child({ module: 'federation.inbox' }),
      remote: this.remote,
      processor: this.inbox,
      https: config.http.publicUrl.startsWith('https:'),
      perHostPerMinute: config.federation.inboundPerHostPerMinute,
      keyFetchesPerHostPerMinute: config.federation.keyFetchesPerHostPerMinute,
      isBlockedHost: (host) => this.deps.moderation?.levelOf(host) === 'suspend',
      admission: new InboundAdmission({ oldestDeliveryWaitMs: () => this.delivery.oldestWaitMs(), maxDeliveryWaitMs: config.federation.deliveryStarvationSeconds * 1000 }),
    }));
    router.get('/api/v1/deletions/:id', receiptHandler(this.delivery));
    router.use(this.rooms.router());
    const moderation = this.deps.moderation;
    router.use(activityPubReadRouter(this.apex, store, this.cursors, (actorId) => moderation?.isHiddenActor(actorId) ?? Promise.resolve(false)));
    return router;
  }

  /**
   * A persona's social actions (follow, unfollow, block, follow requests),
   * for its owner; `requireSession` is the accounts module's session middleware,
   * `followLimit` moderation's spam limit on follows.
   */
  socialRouter(requireSession: RequestHandler, options: { followLimit?: RequestHandler } = {}): Router {
    return socialRouter({ requireSession, personas: this.deps.personas, actions: this.actions, ...options });
  }

  /** The URL of a persona's actor. */
  actorUrl(handle: string): string {
    return this.apex.utils.usernameToIRI(handle);
  }

  start(): void {
    this.delivery.start();
  }

  async stop(): Promise<void> {
    this.rooms.close();
    await this.delivery.stop();
    await this.fetcher.close();
  }
}

export { AP_ROUTES };
