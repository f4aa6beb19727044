/**
 * Everything ActivityPub. Other folders use only what is exported here;
 * activitypub-express never leaves federation/.
 */
export { Federation, type FederationDeps, type FollowsEndedListener } from './federation.js';
export type { ActorPurgedListener } from './actors/persona-federation.js';
