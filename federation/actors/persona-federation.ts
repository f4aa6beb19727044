import { createPrivateKey } from 'node:crypto';
import type { Logger } from '../../server/core/logging/logger.js';
import type { Store } from '../../server/store/index.js';
import type { ApexApi, ApexObject } from '../apex/apex-api.js';
import { first, generateActorKeys, personaDocument, storedPersonaActor, type PersonaProfile } from './persona-actor.js';

const PUBLIC = 'https://www.w3.org/ns/activitystreams#Public';

/** A key that signs activities: a persona's own, or the instance actor's. */
export interface ActivitySigner {
  actorId: string;
  keyId: string;
  privateKeyPem: string;
}

/**
 * Queues a signed Delete of an actor and answers the receipt that tracks it.
 * Every other queued delivery signed with `actorKeyId` (the deleted actor's
 * own key) is deleted first, bodies and all; `delayMs` holds the Delete back.
 */
export interface DeletionSender {
  sendDeletion(input: {
    activity: Record<string, unknown>;
    inboxes: string[];
    signer: ActivitySigner;
    actorKeyId: string;
    delayMs: number;
  }): Promise<{ receiptId: string }>;
}


/**
 * The ActivityPub side of personas: each persona is its own Person with its
 * own RSA-2048 key pair and collections, created, re-published and deleted
 * here. Implements the accounts layer's PersonaFederation port.
 */
export class PersonaActors {
  constructor(
    private readonly deps: {
      apex: ApexApi;
      store: Pick<Store, 'apex' | 'federation'>;
      publicUrl: string;
      log: Logger;
      deletions: DeletionSender;
      /** Told after an actor (local or remote) is purged; never rejects. */
      onPurged: (actorId: string) => Promise<void>;
      /** Signs the Delete of a persona whose own key is missing or unusable. */
      instanceSigner: ActivitySigner;
    },
  ) {}

  actorIdOf(handle: string): string {
    return this.deps.apex.utils.usernameToIRI(handle);
  }

  async provisionActor(profile: PersonaProfile): Promise<{ actorId: string }> {
    const keys = await generateActorKeys();
    const actor = await storedPersonaActor(this.deps.apex, this.deps.publicUrl, profile, keys);
    await this.deps.store.apex.saveObject(actor);
    return { actorId: actor.id };
  }

  async updateActor(handle: string, profile: Omit<PersonaProfile, 'handle'>): Promise<void> {
    const { apex, store } = this.deps;
    const actor = await this.localActor(handle);
    const publicKeyPem = first((actor.publicKey as Array<{ publicKeyPem?: unknown }> | undefined)?.[0]?.publicKeyPem);
    if (!publicKeyPem) throw new Error(`actor ${actor.id} has no public key`);
    const doc = personaDocument(apex, this.deps.publicUrl, { handle, ...profile }, publicKeyPem);
    const updated = await apex.fromJSONLD({ '@context': apex.context, ...doc });
    updated._meta = actor._meta ?? {};
    await store.apex.updateObject(updated, actor.id, true);
    const followers = first(actor.followers);
    const activity = await apex.buildActivity('Update', actor.id, followers ? [PUBLIC, followers] : [PUBLIC], { object: doc });
    await apex.addToOutbox(updated, activity);
  }

  async relationships(handle: string): Promise<{ followers: string[]; following: string[] }> {
    const actor = await this.localActor(handle);
    return this.relationshipsOf(actor);
  }

  /**
   * Deletes a persona's actor for good: works out every inbox that knew it,
   * queues one signed Delete per inbox (held back `delayMs`; the key travels
   * only inside the queued job, erased when the job ends), deletes every
   * other queued delivery of the persona, purges the actor from the store and
   * leaves a Tombstone so its URL answers 410 and its handle stays taken.
   *
   * Works whatever state the actor is in: a persona whose private key is
   * missing or unusable (or whose document is gone) is still purged, its
   * Delete signed by the instance actor (receivers confirm with the 410).
   */
  async deleteActor(handle: string, options: { delayMs?: number } = {}): Promise<{ receiptId: string }> {
    const { store, log } = this.deps;
    const actorId = this.actorIdOf(handle);
    // Idempotent: a second call (the accounts side retrying) answers the same receipt.
    const done = await store.federation.getTombstone(actorId);
    if (done) return { receiptId: done.receiptId };
    const actor = (await store.apex.getObject(actorId, true)) as ApexObject | null;
    const actorKeyId = (actor && first((actor.publicKey as Array<{ id?: unknown }> | undefined)?.[0]?.id)) ?? `${actorId}#main-key`;
    const ownKey = actor ? usableKey(actor, actorKeyId) : undefined;
    const signer = ownKey ?? this.deps.instanceSigner;
    if (!ownKey) log.warn({ actor: actorId }, 'persona has no usable signing key: its Delete is signed by the instance actor');

    const inboxes = new Set(await store.federation.contacts(actorId));
    if (actor) {
      try {
        const { followers, following } = await this.relationshipsOf(actor);
        for (const remote of [...followers, ...following]) {
          const inbox = await this.inboxOf(remote);
          if (inbox) inboxes.add(inbox);
        }
      } catch (e) {
        // A damaged actor document must not stop its deletion: the inboxes it contacted still get the Delete.
        log.warn({ err: e, actor: actorId }, 'relationships of a deleted persona could not be read');
      }
    }
    for (const inbox of inboxes) if (inbox.startsWith(`${this.deps.publicUrl}/`)) inboxes.delete(inbox);

    const activity = {
      '@context': 'https://www.w3.org/ns/activitystreams',
      id: `${actorId}#delete`,
      type: 'Delete',
      actor: signer.actorId,
      object: actorId,
      to: [PUBLIC],
    };
    const { receiptId } = await this.deps.deletions.sendDeletion({
      activity, inboxes: [...inboxes], signer, actorKeyId, delayMs: options.delayMs ?? 0,
    });
    // The day only: precise deletion times would tie together personas deleted at once.
    await store.federation.putTombstone({ actorId, handle, deletedAt: new Date().toISOString().slice(0, 10), receiptId });
    const purged = await store.federation.purgeActor(actorId);
    log.info({ receiptId, inboxes: inboxes.size, ...purged }, 'persona actor deleted');
    await this.notifyPurged(actorId);
    return { receiptId };
  }

  /** Inbound Delete of a remote actor: every cached copy, follow and membership goes at once. */
  async purgeRemoteActor(actorId: string): Promise<void> {
    const purged = await this.deps.store.federation.purgeActor(actorId);
    this.deps.log.info({ actor: actorId, ...purged }, 'remote actor purged');
    await this.notifyPurged(actorId);
  }

  private async notifyPurged(actorId: string): Promise<void> {
    await this.deps.onPurged(actorId);
  }

  private async relationshipsOf(actor: ApexObject): Promise<{ followers: string[]; following: string[] }> {
    const { apex } = this.deps;
    actor._local = actor._local ?? { blockList: [] };
    const followers = await apex.getFollowers(actor, Infinity, true);
    const following = await apex.getFollowing(actor, Infinity, true);
    const ids = (page: { orderedItems?: unknown[] }): string[] =>
      (page.orderedItems ?? []).map((v) => first(v)).filter((v): v is string => typeof v === 'string');
    return { followers: ids(followers), following: ids(following) };
  }

  private async inboxOf(actorId: string): Promise<string | undefined> {
    const cached = await this.deps.store.apex.getObject(actorId);
    if (!cached) return undefined;
    const endpoints = (cached.endpoints as Array<{ sharedInbox?: unknown }> | undefined)?.[0];
    return first(endpoints?.sharedInbox) ?? first(cached.inbox);
  }

  private async localActor(handle: string): Promise<ApexObject> {
    const actor = (await this.deps.store.apex.getObject(this.actorIdOf(handle), true)) as ApexObject | null;
    if (!actor) throw new Error(`no local actor for handle ${handle}`);
    return actor;
  }
}

/** The actor's own signing key, if it holds one that can sign. */
function usableKey(actor: ApexObject, keyId: string): ActivitySigner | undefined {
  const privateKeyPem = actor._meta?.privateKey;
  if (typeof privateKeyPem !== 'string') return undefined;
  try {
    if (createPrivateKey(privateKeyPem).asymmetricKeyType !== 'rsa') return undefined;
  } catch {
    return undefined;
  }
  return { actorId: actor.id, keyId, privateKeyPem };
}
