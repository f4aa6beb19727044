/**
 * Everything ActivityPub. Other folders use only what is exported here;
 * activitypub-express never leaves federation/.
 */
export { Federation, type FederationDeps } from './federation.js';
export type { ActorPurgedListener } from './actors/persona-federation.js';
export type { FederationModeration, HostBlockLevel } from './moderation-port.js';
