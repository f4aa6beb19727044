/**
 * The Follow accepted at once, without activitypub-express or jsonld on the
 * way (ADR 0046). Builds the stored Follow and the Accept in the very shape
 * apex stores and sends them (expanded-compact: every value an array; the
 * followers and outbox collections in `_meta.collection`), so that every
 * reader of apex's store (collections, Undo, purges, apex's GET routes)
 * sees what it saw before; then claims, stores and queues all of it in one
 * store transaction (`Store.storeInbound`).
 */
import type { Result } from '../../server/core/result.js';
import type { ApexDocument, NewDeliveryJob, Store } from '../../server/store/index.js';
import type { ApexApi, ApexObject } from '../apex/apex-api.js';
import { first } from '../actors/persona-actor.js';
import type { EnqueueError, EnqueueRequest } from '../delivery/index.js';

/** The part of the delivery queue the fast path uses: jobs checked and built, stored by the caller, then the runner told. */
export interface PreparedDeliveries {
  prepare(request: EnqueueRequest): Result<{ jobs: NewDeliveryJob[]; rejected: string[]; now: Date }, EnqueueError>;
  kick(jobs?: readonly NewDeliveryJob[]): void;
}

/** A Follow as apex stores it once accepted: in the followed persona's followers collection. */
export function storedFollow(input: { id: string; actor: string; object: string; followers: string }): ApexDocument {
  return { id: input.id, type: 'Follow', actor: [input.actor], object: [input.object], _meta: { collection: [input.followers] } };
}

type AcceptApex = Pick<ApexApi, 'context' | 'addPageToIRI'> & {
  utils: Pick<ApexApi['utils'], 'activityIdToIRI' | 'idToActivityCollections'>;
  store: { generateId(): string };
};

/**
 * The Accept(Follow) apex's `buildActivity` + `addToOutbox` would make: the
 * stored document (in the persona's outbox) and the JSON body sent, which is
 * what apex's `toJSONLD` compaction of it gives (single values unboxed,
 * terms in its order).
 */
export function acceptOf(apex: AcceptApex, input: { actor: string; outbox: string; follower: string; follow: string; published: string }): { stored: ApexDocument; body: string } {
  const storeId = apex.store.generateId();
  const id = apex.utils.activityIdToIRI(storeId);
  const collections = Object.entries(apex.utils.idToActivityCollections(storeId)).map(([name, cid]) => ({
    name, id: cid, first: apex.addPageToIRI(cid, true),
  }));
  const stored: ApexDocument = {
    id, type: 'Accept', actor: [input.actor], object: [input.follow], published: [input.published], to: [input.follower],
  };
  for (const c of collections) stored[c.name] = [{ id: c.id, type: 'OrderedCollection', first: [c.first], totalItems: [0] }];
  stored._meta = { collection: [input.outbox] };
  const sent: Record<string, unknown> = { '@context': apex.context, id, type: 'Accept', actor: input.actor };
  const terms: Record<string, unknown> = { object: input.follow, published: input.published, to: input.follower };
  for (const c of collections) terms[c.name] = { id: c.id, type: 'OrderedCollection', first: c.first, totalItems: 0 };
  for (const key of Object.keys(terms).sort()) sent[key] = terms[key];
  return { stored, body: JSON.stringify(sent) };
}

/** Where apex would deliver to a cached remote actor: its shared inbox, else its inbox. */
export function deliveryInbox(actor: ApexDocument): string | undefined {
  const endpoints = Array.isArray(actor.endpoints) ? (actor.endpoints[0] as { sharedInbox?: unknown } | undefined) : undefined;
  return first(endpoints?.sharedInbox) ?? first(actor.inbox);
}

export interface FollowFastPathDeps {
  apex: ApexApi;
  store: Pick<Store, 'apex' | 'storeInbound'>;
  delivery: PreparedDeliveries;
}

/**
 * Stores an accepted Follow of `target` (a local persona, already checked
 * to accept it at once) by the remote `follower`, with its Accept queued
 * for delivery, in one transaction. Answers `undefined` when this path does
 * not apply (the follower's actor is not cached, or the persona has no
 * key): the caller then takes apex's path.
 */
export async function acceptFollowAtOnce(
  deps: FollowFastPathDeps,
  input: { followId: string; follower: string; target: ApexObject; receivedAt: string },
): Promise<'accepted' | 'duplicate' | undefined> {
  const { target } = input;
  const followers = first(target.followers);
  const outbox = first(target.outbox);
  const keyId = first(target.publicKey);
  const privateKeyPem = target._meta?.privateKey;
  if (!followers || !outbox || !keyId || typeof privateKeyPem !== 'string') return undefined;
  const cached = await deps.store.apex.getObject(input.follower);
  const inbox = cached ? deliveryInbox(cached) : undefined;
  if (!inbox) return undefined;
  const accept = acceptOf(deps.apex, { actor: target.id, outbox, follower: input.follower, follow: input.followId, published: new Date().toISOString() });
  const prepared = deps.delivery.prepare({ activity: accept.body, inboxes: [inbox], keyId, privateKeyPem });
  if (!prepared.ok) return undefined;
  const { jobs, now } = prepared.value;
  const stored = await deps.store.storeInbound({
    activityId: input.followId,
    receivedAt: input.receivedAt,
    activities: [storedFollow({ id: input.followId, actor: input.follower, object: target.id, followers }), accept.stored],
    deliveries: { jobs, now },
    contacts: { actorId: target.id, inboxes: [inbox] },
  });
  if (!stored) return 'duplicate';
  if (jobs.length > 0) deps.delivery.kick(jobs);
  return 'accepted';
}
