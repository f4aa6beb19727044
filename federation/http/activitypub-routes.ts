import { Router, type RequestHandler } from 'express';
import type { Store } from '../../server/store/index.js';
import type { ApexApi } from '../apex/apex-api.js';
import { AP_ROUTES } from '../apex/create-apex.js';

/**
 * A deleted local actor answers 410 with a Tombstone on its actor URL and
 * every URL below it, before apex looks (apex would answer 404: the document
 * is gone). The Tombstone has no `deleted` time: personas deleted together
 * (an account's) would be tied together by it.
 */
function tombstones(apex: ApexApi, store: Store): RequestHandler {
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

/** Read-side ActivityPub documents served by activitypub-express: actors, collections, objects, activities. */
export function activityPubReadRouter(apex: ApexApi, store: Store): Router {
  const router = Router();
  router.use(apex);
  const gone = tombstones(apex, store);
  router.get(AP_ROUTES.actor, gone, ...apex.net.actor.get);
  router.get(AP_ROUTES.outbox, gone, ...apex.net.outbox.get);
  router.get(AP_ROUTES.followers, gone, ...apex.net.followers.get);
  router.get(AP_ROUTES.following, gone, ...apex.net.following.get);
  router.get(AP_ROUTES.liked, gone, ...apex.net.liked.get);
  router.get(AP_ROUTES.object, ...apex.net.object.get);
  router.get(AP_ROUTES.activity, ...apex.net.activityStream.get);
  return router;
}
