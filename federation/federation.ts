import { randomUUID } from 'node:crypto';
import { Router, type RequestHandler } from 'express';
import { hostOnDomain } from '../server/lib/domains.js';
import { sendError } from '../server/http/errors.js';
import type { Config } from '../config/index.js';
import type { Logger } from '../server/logging/logger.js';
import type { Store } from '../server/store/index.js';
import type { ApexApi } from './apex/apex-api.js';
import { AP_ROUTES, createApex } from './apex/create-apex.js';
import { InstanceActor } from './actors/instance-actor.js';
import { PersonaActions } from './actors/persona-actions.js';
import { first } from './actors/persona-actor.js';
import { PersonaActors, type ActorPurgedListener } from './actors/persona-federation.js';
import { RemoteActors, type DocumentFetcher } from './actors/remote-actors.js';
import { DeliveryQueue, receiptHandler } from './delivery/index.js';
import { activityPubReadRouter } from './http/activitypub-routes.js';
import { claimedKeyHost, inboxRouter } from './http/inbox-routes.js';
import type { FederationModeration } from './moderation-port.js';
import { PageCursors } from './http/page-cursors.js';
import { socialRouter } from './http/social-routes.js';
import { wellKnownRouter } from './http/well-known.js';
import { parseInboundActivity } from './inbox/inbound-activity.js';
import { InboxProcessor, type LocalPersonaSettings } from './inbox/inbox-processor.js';
import { createDocumentLoader, installDocumentLoader, MemoryContextCache } from './jsonld/index.js';
import { SafeFetcher } from './net/index.js';
import { createRequestSigner } from './signatures/index.js';

export interface FederationDeps {
  config: Config;
  store: Store;
  log: Logger;
  version: string;
  /** Persona settings the inbox needs (approve followers); the accounts layer answers. */
  settings: LocalPersonaSettings;
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
  private readonly purgedListeners: ActorPurgedListener[] = [];

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

    this.delivery = new DeliveryQueue({ repository: store.delivery, http: fetcher, log, isBlockedHost: suspendedHost });
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
      deletions: {
        sendDeletion: async ({ activity: doc, inboxes, keyId, privateKeyPem }) => {
          const activity = { ...doc, id: String(doc.id) };
          // Nothing else of a deleted persona goes out any more: only its Delete.
          const cancelled = await this.delivery.cancelForKey(keyId);
          if (cancelled > 0) flog.info({ cancelled }, 'pending deliveries of a deleted persona cancelled');
          const receiptId = await this.delivery.createReceipt({ actorId: String(doc.actor) });
          const result = await this.delivery.enqueue({ activity, inboxes, keyId, privateKeyPem, batchId: receiptId });
          if (!result.ok) throw new Error(`deletion could not be queued: ${result.error.kind}`);
          return { receiptId };
        },
      },
      onPurged: () => this.purgedListeners,
    });
    this.inbox = new InboxProcessor({
      apex: this.apex, store, log: log.child({ module: 'federation.inbox' }), personas: this.personas, settings: deps.settings,
      ...(moderation ? { moderation } : {}),
    });
    this.actions = new PersonaActions({
      apex: this.apex,
      store,
      remote: this.remote,
      inbox: () => this.inbox,
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
    if (outcome.status !== 202) log.warn({ status: outcome.status, reason: outcome.error }, 'local delivery refused');
  }

  /** Whether `followerActorId` follows `actorId` (an accepted follow), for followers-only rooms. */
  async isFollower(actorId: string, followerActorId: string): Promise<boolean> {
    const actor = await this.deps.store.apex.getObject(actorId);
    const followers = first(actor?.followers);
    if (!followers) return false;
    return (await this.deps.store.apex.findActivityByCollectionAndActorId(followers, followerActorId)) !== null;
  }

  /**
   * A domain was suspended: its queued deliveries are dropped, and its cached
   * actors are purged with every follow and activity of theirs (the actor-purged
   * listeners run for each, so rooms drop them too).
   */
  async purgeDomain(domain: string): Promise<{ deliveries: number; actors: number }> {
    const { store } = this.deps;
    const deliveries = await this.delivery.cancelForHosts((host) => hostOnDomain(host, domain), 'instance suspended by moderators');
    const ids = await store.federation.objectIdsOnDomain(domain);
    for (const id of ids) await this.personas.purgeRemoteActor(id);
    return { deliveries, actors: ids.length };
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

  /** Subscribes to actor purges (local deletion or an inbound Delete): rooms remove the actor at once. */
  onActorPurged(listener: ActorPurgedListener): void {
    this.purgedListeners.push(listener);
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
      openRegistrations: () => config.accounts.registration === 'open',
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
    }));
    router.get('/api/v1/deletions/:id', receiptHandler(this.delivery));
    const moderation = this.deps.moderation;
    router.use(activityPubReadRouter(this.apex, store, this.cursors, (actorId) => moderation?.isHiddenActor(actorId) ?? Promise.resolve(false)));
    return router;
  }

  /** A persona's social actions (follow, unfollow, block, follow requests), for its owner. */
  socialRouter(options: { followLimit?: RequestHandler } = {}): Router {
    return socialRouter({ config: this.deps.config, store: this.deps.store, actions: this.actions, ...options });
  }

  /** The URL of a persona's actor. */
  actorUrl(handle: string): string {
    return this.apex.utils.usernameToIRI(handle);
  }

  start(): void {
    this.delivery.start();
  }

  async stop(): Promise<void> {
    await this.delivery.stop();
    await this.fetcher.close();
  }
}

export { AP_ROUTES };
