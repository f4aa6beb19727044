/**
 * The part of activitypub-express's API this project uses, typed. apex is
 * untyped CommonJS; everything that touches it goes through this interface
 * so that the rest of federation/ stays type-checked, and nothing outside
 * federation/ sees apex at all.
 *
 * apex keeps documents in "expanded-compact" form: every property is an
 * array (`actor.inbox[0]`), with `_meta` (private) and `_local` fields.
 */
import type { RequestHandler } from 'express';
import type { ApexDocument, ApexStore } from '../../server/store/index.js';

export type ApexObject = ApexDocument & {
  id: string;
  type: string;
  _meta?: Record<string, unknown>;
  _local?: Record<string, unknown>;
};

export interface ApexCollectionPage {
  orderedItems?: unknown[];
  totalItems?: number[];
}

/** Route templates apex builds IRIs from (express path syntax). */
export interface ApexRoutes {
  actor: string;
  object: string;
  activity: string;
  inbox: string;
  outbox: string;
  followers: string;
  following: string;
  liked: string;
  collections: string;
  blocked: string;
  rejections: string;
  rejected: string;
  shares: string;
  likes: string;
}

export type ApexMiddleware = RequestHandler[];

export interface ApexApi extends RequestHandler {
  baseUrl: string;
  domain: string;
  store: ApexStore;
  context: unknown[];
  consts: { jsonldTypes: string[]; jsonldOutgoingType: string; publicAddress: string };
  logger: { info(...a: unknown[]): void; warn(...a: unknown[]): void; error(...a: unknown[]): void };
  settings: Record<string, unknown>;
  utils: {
    usernameToIRI(name: string): string;
    objectIdToIRI(id?: string): string;
    activityIdToIRI(id?: string): string;
    /** An activity's own collections (shares, likes) by name, from its store id. */
    idToActivityCollections(id: string): Record<string, string>;
    nameToActorStreams(name: string): Record<string, string>;
    nameToBlockedIRI(name: string): string;
  };
  net: {
    actor: { get: ApexMiddleware };
    outbox: { get: ApexMiddleware };
    followers: { get: ApexMiddleware };
    following: { get: ApexMiddleware };
    liked: { get: ApexMiddleware };
    object: { get: ApexMiddleware };
    activityStream: { get: ApexMiddleware };
  };

  fromJSONLD(doc: Record<string, unknown>): Promise<ApexObject>;
  toJSONLD(doc: ApexObject): Promise<Record<string, unknown>>;
  stringifyPublicJSONLD(doc: unknown): string;
  /** `id` with the page query parameter set (`?page=true` for a collection's first page). */
  addPageToIRI(id: string, page: unknown): string;
  buildActivity(type: string, actorId: string, to: string | string[], etc?: Record<string, unknown>): Promise<ApexObject>;
  addToOutbox(actor: ApexObject, activity: ApexObject): Promise<unknown>;
  acceptFollow(actor: ApexObject, follow: ApexObject): Promise<{ postTask: () => Promise<unknown>; updated: ApexObject }>;
  publishActivity(actor: ApexObject, activity: ApexObject, audienceOverride?: string[]): Promise<unknown>;
  getFollowers(actor: ApexObject, page?: number, includePrivate?: boolean): Promise<ApexCollectionPage>;
  getFollowing(actor: ApexObject, page?: number, includePrivate?: boolean): Promise<ApexCollectionPage>;
  resolveObject(id: string, includeMeta?: boolean, refresh?: boolean, localOnly?: boolean): Promise<ApexObject | undefined>;
  validateOwner(object: unknown, actor: unknown): boolean;
  /** Whether an activity is addressed to the public (or marked public). */
  isPublic(object: unknown): boolean;

  /** Overridable hooks (see create-apex.ts). */
  requestObject: (id: string) => Promise<ApexObject | null>;
  queueForDelivery: (actor: ApexObject, activity: Record<string, unknown>, addresses: string[]) => Promise<unknown>;
  jsonldContextLoader: (url: string, options?: unknown) => Promise<unknown>;
  isProductionEnv: () => boolean;
}
