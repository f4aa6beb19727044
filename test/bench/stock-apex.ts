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
    routes: APEX_ROUTES, store: withApexDeliveryQueue(store),
    logger: { info: () => undefined, warn: () => undefined, error: () => undefined },
  });
}

interface ApexDelivery { address: string; actorId: string; signingKey: string; body: string; attempt: number; after: Date }

/**
 * Stand-in for the baseline only: Hearth's store refuses apex's three
 * delivery-queue methods (Hearth has its own queue), and apex's own MongoDB
 * queue cannot run here; so the stock apex baseline gets an in-memory queue
 * with the reference adapter's semantics (due-time order, requeue after
 * 10^attempt ms). Everything else stays on the shared SQLite store.
 */
function withApexDeliveryQueue(store: ApexStore): ApexStore {
  const queue: ApexDelivery[] = [];
  const take = (): ApexDelivery | { waitUntil: Date } | null => {
    queue.sort((a, b) => a.after.getTime() - b.after.getTime());
    const next = queue[0];
    if (!next) return null;
    if (next.after.getTime() > Date.now()) return { waitUntil: next.after };
    return queue.shift() ?? null;
  };
  const methods = {
    deliveryEnqueue: (actorId: string, body: string, addresses: string | string[], signingKey: string): Promise<boolean> => {
      for (const address of [addresses].flat()) queue.push({ address, actorId, signingKey, body, attempt: 0, after: new Date() });
      return Promise.resolve(true);
    },
    deliveryDequeue: (): Promise<ApexDelivery | { waitUntil: Date } | null> => Promise.resolve(take()),
    deliveryRequeue: (delivery: ApexDelivery): Promise<boolean> => {
      delivery.after = new Date(delivery.after.getTime() + Math.pow(10, delivery.attempt++));
      queue.push(delivery);
      return Promise.resolve(true);
    },
  };
  return new Proxy(store, {
    get: (target, prop) => {
      if (prop in methods) return methods[prop as keyof typeof methods];
      const value = Reflect.get(target, prop, target) as unknown;
      // The adapter's own methods keep the adapter as `this` (private fields).
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
