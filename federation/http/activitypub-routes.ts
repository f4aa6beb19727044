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
 * Read-side ActivityPub documents served by activitypub-express: actors,
 * collections, objects, activities. Collections keep apex's content
 * negotiation (`jsonld`), actor lookup (`targetActor`) and responder
 * (`result`), the first two and the last of apex's outbox chain, around our
 * own handlers (collection-routes.ts).
 */
export function activityPubReadRouter(apex: ApexApi, store: Pick<Store, 'apex' | 'federation'>, cursors: PageCursors): Router {
  const router = Router();
  router.use(apex);
  const gone = tombstones(apex, store);
  const apexChain = apex.net.outbox.get;
  const [jsonld, targetActor] = apexChain;
  const respond = apexChain[apexChain.length - 1];
  if (!jsonld || !targetActor || !respond || apexChain.length !== 5) throw new Error('activitypub-express outbox chain changed; re-check collection-routes.ts');
  const collections = new CollectionRoutes(apex, cursors);
  router.get(AP_ROUTES.actor, gone, ...apex.net.actor.get);
  router.get(AP_ROUTES.outbox, gone, jsonld, targetActor, collections.outbox, respond);
  router.get(AP_ROUTES.followers, gone, jsonld, targetActor, collections.countOnly('followers'), respond);
  router.get(AP_ROUTES.following, gone, jsonld, targetActor, collections.countOnly('following'), respond);
  router.get(AP_ROUTES.liked, gone, jsonld, targetActor, collections.countOnly('liked'), respond);
  router.get(AP_ROUTES.object, ...apex.net.object.get);
  router.get(AP_ROUTES.activity, ...apex.net.activityStream.get);
  return router;
}
