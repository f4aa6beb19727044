/**
 * Everything ActivityPub. Other folders use only what is exported here;
 * activitypub-express never leaves federation/.
 */
export { Federation, type ActorRef, type FederationDeps, type FederationEvents } from './federation.js';
export type { FederationModeration, HostBlockLevel } from './moderation-port.js';
export { CascadeLinks, LINK_CONTROL_PATH, type CascadeLinksDeps, type CascadeRoomsDeps, type CascadeSettings, type HostedLink } from './links/index.js';
