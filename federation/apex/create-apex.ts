import { createRequire } from 'node:module';
import type { Logger } from '../../server/core/logging/logger.js';
import type { ApexStore } from '../../server/store/index.js';
import { HEARTH_TERMS } from '../jsonld/contexts/hearth-v1.js';
import type { ApexApi, ApexObject, ApexRoutes } from './apex-api.js';

const require = createRequire(import.meta.url);

/** URL layout of ActivityPub documents. Handles are `[a-z0-9_]`, so they never collide with `o`/`s`. */
export const AP_ROUTES: ApexRoutes = {
  actor: '/u/:actor',
  object: '/o/:id',
  activity: '/s/:id',
  inbox: '/u/:actor/inbox',
  outbox: '/u/:actor/outbox',
  followers: '/u/:actor/followers',
  following: '/u/:actor/following',
  liked: '/u/:actor/liked',
  collections: '/u/:actor/c/:id',
  blocked: '/u/:actor/blocked',
  rejections: '/u/:actor/rejections',
  rejected: '/u/:actor/rejected',
  shares: '/s/:id/shares',
  likes: '/s/:id/likes',
};

export const SHARED_INBOX_PATH = '/inbox';

/** Extra JSON-LD terms our documents carry (Mastodon's and this project's). */
export const EXTRA_CONTEXT = {
  toot: 'http://joinmastodon.org/ns#',
  discoverable: 'toot:discoverable',
  indexable: 'toot:indexable',
  manuallyApprovesFollowers: 'as:manuallyApprovesFollowers',
  // This project's room vocabulary (federation/rooms), so apex keeps the terms of a room's Event.
  xsd: 'http://www.w3.org/2001/XMLSchema#',
  ...HEARTH_TERMS,
};

/** What the apex instance delegates to this project's own, hardened parts. */
export interface ApexHooks {
  /** Fetches a remote ActivityPub document through the safe client; null when it cannot be had. */
  fetchDocument(url: string): Promise<Record<string, unknown> | null>;
  /** Persists deliveries durably (replaces apex's serial in-memory loop). */
  enqueueDelivery(input: { actorId: string; keyId: string; privateKeyPem: string; body: string; inboxes: string[] }): Promise<void>;
}

export interface CreateApexOptions {
  publicUrl: string;
  version: string;
  store: ApexStore;
  log: Logger;
  openRegistrations: boolean;
  hooks: ApexHooks;
}

/**
 * Builds the activitypub-express instance and replaces the parts of it this
 * project does not trust (see docs/adr/0004-federation-on-apex.md):
 *  - `requestObject`: apex's fetch follows redirects with the deprecated
 *    `request` client and has no address, size or origin checks;
 *  - `queueForDelivery`: apex delivers one activity at a time from memory;
 *  - signature verification: not used at all (our inbox middleware verifies
 *    before apex sees the request).
 */
export function createApex(options: CreateApexOptions): ApexApi {
  const factory = require('activitypub-express') as (settings: Record<string, unknown>) => ApexApi;
  const log = options.log;
  const apex = factory({
    name: 'Hearth',
    version: options.version,
    baseUrl: options.publicUrl,
    actorParam: 'actor',
    objectParam: 'id',
    activityParam: 'id',
    routes: AP_ROUTES,
    endpoints: { sharedInbox: `${options.publicUrl}${SHARED_INBOX_PATH}` },
    context: [EXTRA_CONTEXT],
    store: options.store,
    openRegistrations: options.openRegistrations,
    logger: {
      info: (...a: unknown[]) => log.debug({ apex: a.map(String).join(' ') }, 'apex'),
      warn: (...a: unknown[]) => log.warn({ apex: a.map(String).join(' ') }, 'apex'),
      error: (...a: unknown[]) => log.error({ apex: a.map(String).join(' ') }, 'apex'),
    },
    itemsPerPage: 20,
  });

  apex.requestObject = async (id: string): Promise<ApexObject | null> => {
    const doc = await options.hooks.fetchDocument(id);
    return doc ? apex.fromJSONLD(doc) : null;
  };

  apex.queueForDelivery = async (actor, activity, addresses) => {
    const privateKeyPem = actor._meta?.privateKey;
    const keyId = (actor.publicKey as Array<{ id?: string }> | undefined)?.[0]?.id;
    if (typeof privateKeyPem !== 'string' || typeof keyId !== 'string') {
      log.error({ actor: actor.id }, 'cannot deliver: actor has no signing key');
      return;
    }
    await options.hooks.enqueueDelivery({
      actorId: actor.id,
      keyId,
      privateKeyPem,
      body: apex.stringifyPublicJSONLD(activity),
      inboxes: addresses,
    });
  };
  return apex;
}
