/**
 * The few parts of stock activitypub-express the baselines call, typed
 * (apex ships no types). Baselines only: the server reaches apex through
 * federation/apex.
 */
import { createRequire } from 'node:module';
import type { RequestHandler } from 'express';
import type { ApexStore } from '../../server/store/index.js';

export interface ApexDoc {
  id: string;
  [key: string]: unknown;
}

export type StockApex = RequestHandler & {
  consts: { jsonldTypes: string[] };
  net: { inbox: { post: RequestHandler[] }; actor: { get: RequestHandler[] } };
  store: ApexStore & { setup(): Promise<unknown> };
  createActor(username: string, name: string, summary: string, icon: null, type: string): Promise<ApexDoc>;
  buildActivity(type: string, actorId: string, to: string | string[], etc: Record<string, unknown>): Promise<ApexDoc>;
  acceptFollow(actor: unknown, follow: unknown): Promise<{ postTask: () => Promise<unknown> }>;
  addToOutbox(actor: unknown, activity: ApexDoc): Promise<unknown>;
  queueForDelivery(actor: ApexDoc, activity: ApexDoc, addresses: string[]): Promise<unknown>;
};

export const APEX_ROUTES = {
  actor: '/u/:actor', object: '/o/:id', activity: '/s/:id', inbox: '/u/:actor/inbox', outbox: '/u/:actor/outbox',
  followers: '/u/:actor/followers', following: '/u/:actor/following', liked: '/u/:actor/liked',
  collections: '/u/:actor/c/:id', blocked: '/u/:actor/blocked', rejections: '/u/:actor/rejections',
  rejected: '/u/:actor/rejected', shares: '/s/:id/shares', likes: '/s/:id/likes',
};

const require = createRequire(import.meta.url);

/** Stock apex as its README sets it up, on the given store, logging nothing. */
export function stockApex(baseUrl: string, store: ApexStore): StockApex {
  const factory = require('activitypub-express') as (settings: Record<string, unknown>) => StockApex;
  return factory({
    name: 'Apex baseline', version: '1.0.0', baseUrl, actorParam: 'actor', objectParam: 'id', activityParam: 'id',
    routes: APEX_ROUTES, store,
    logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
  });
}
