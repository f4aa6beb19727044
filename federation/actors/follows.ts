import type { Store } from '../../server/store/index.js';
import type { ApexObject } from '../apex/apex-api.js';
import { first } from './persona-actor.js';

/** Collections of a local actor where Follow activities with another actor are found. */
export type FollowPlace = 'followers' | 'following' | 'outbox';

/**
 * Removes the Follow activities between a local actor and another actor from
 * the named collections: in `followers` the other actor is the follower; in
 * `following` and `outbox` (follows not yet accepted) the local actor is.
 * Used by blocks in both directions.
 */
export async function endFollows(store: Pick<Store, 'apex'>, local: ApexObject, otherId: string, places: readonly FollowPlace[]): Promise<void> {
  for (const place of places) {
    const collection = first(local[place]);
    if (!collection) continue;
    const theyFollow = place === 'followers';
    const found = theyFollow
      ? await store.apex.findActivityByCollectionAndActorId(collection, otherId, true)
      : await store.apex.findActivityByCollectionAndObjectId(collection, otherId, true);
    if (found && found.type === 'Follow') await store.apex.removeActivity(found, theyFollow ? otherId : local.id);
  }
}
