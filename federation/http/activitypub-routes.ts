import { Router, type RequestHandler } from 'express';
import type { Store } from '../../server/store/index.js';
import type { ApexApi } from '../apex/apex-api.js';
import { AP_ROUTES } from '../apex/create-apex.js';
import { CollectionRoutes } from './collection-routes.js';
import type { PageCursors } from './page-cursors.js';

/**
 * A deleted local actor answers 410 with a Tombstone on its actor URL and
 * every URL below it, before apex looks (apex would answer 404: the document
 * is gone). The Tombstone has no `deleted` time: personas deleted together
 * (an account's) would be tied together by it.
 */
function tombstones(apex: ApexApi, store: Pick<Store, 'apex' | 'federation'>): RequestHandler {
  return (req, res, next) => {
    const handle = String(req.params.actor ?? '').toLowerCase();
    const actorId = apex.utils.usernameToIRI(handle);
    store.federation.getTombstone(actorId).then((tombstone) => {
      if (!tombstone) {
        next();
        return;
      }
      res.status(410).type('application/activity+json').send(JSON.stringify({
        '@context': 'https://www.w3.org/ns/activitystreams',
        id: actorId,
        type: 'Tombstone',
        formerType: 'Person',
      }));
    }, next);
  };
}

/**
 * A persona of a suspended account (Mastodon's convention for suspended
 * actors): its actor URL answers a stub marked `suspended`, with its key so
 * that signatures of past activities still check, and nothing of its
 * profile; its collections answer 404. Lifting the suspension restores both.
 */
function suspended(apex: ApexApi, store: Pick<Store, 'apex'>, isHidden: (actorId: string) => Promise<boolean>, what: 'actor' | 'collection'): RequestHandler {
  return (req, res, next) => {
    const actorId = apex.utils.usernameToIRI(String(req.params.actor ?? '').toLowerCase());
    (async () => {
      if (!(await isHidden(actorId))) {
        next();
        return;
      }
      if (what === 'collection') {
        res.status(404).json({ error: 'suspended', message: 'this account is suspended' });
        return;
      }
      const actor = await store.apex.getObject(actorId);
      const key = (actor?.publicKey as Array<Record<string, unknown>> | undefined)?.[0];
      res.type('application/activity+json').send(JSON.stringify({
        '@context': ['https://www.w3.org/ns/activitystreams', 'https://w3id.org/security/v1', { toot: 'http://joinmastodon.org/ns#', suspended: 'toot:suspended' }],
        id: actorId,
        type: 'Person',
        preferredUsername: String(req.params.actor ?? '').toLowerCase(),
        inbox: `${actorId}/inbox`,
        outbox: `${actorId}/outbox`,
        suspended: true,
        ...(key ? { publicKey: { id: [key.id].flat()[0], owner: actorId, publicKeyPem: [key.publicKeyPem].flat()[0] } } : {}),
      }));
    })().catch(next);
  };
}

/**
 * Read-side ActivityPub documents served by activitypub-express: actors,
 * collections, objects, activities. Collections keep apex's content
 * negotiation (`jsonld`), actor lookup (`targetActor`) and responder
 * (`result`), the first two and the last of apex's outbox chain, around our
 * own handlers (collection-routes.ts).
 */
export function activityPubReadRouter(apex: ApexApi, store: Pick<Store, 'apex' | 'federation'>, cursors: PageCursors, isHidden: (actorId: string) => Promise<boolean> = () => Promise.resolve(false)): Router {
  const router = Router();
  router.use(apex);
  const tomb = tombstones(apex, store);
  const hiddenCollection = suspended(apex, store, isHidden, 'collection');
  const gone: RequestHandler[] = [tomb, hiddenCollection];
  const apexChain = apex.net.outbox.get;
  const [jsonld, targetActor] = apexChain;
  const respond = apexChain[apexChain.length - 1];
  if (!jsonld || !targetActor || !respond || apexChain.length !== 5) throw new Error('activitypub-express outbox chain changed; re-check collection-routes.ts');
  const collections = new CollectionRoutes(apex, cursors);
  router.get(AP_ROUTES.actor, tomb, suspended(apex, store, isHidden, 'actor'), ...apex.net.actor.get);
  router.get(AP_ROUTES.outbox, ...gone, jsonld, targetActor, collections.outbox, respond);
  router.get(AP_ROUTES.followers, ...gone, jsonld, targetActor, collections.countOnly('followers'), respond);
  router.get(AP_ROUTES.following, ...gone, jsonld, targetActor, collections.countOnly('following'), respond);
  router.get(AP_ROUTES.liked, ...gone, jsonld, targetActor, collections.countOnly('liked'), respond);
  router.get(AP_ROUTES.object, ...apex.net.object.get);
  router.get(AP_ROUTES.activity, ...apex.net.activityStream.get);
  return router;
}
