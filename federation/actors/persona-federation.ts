import type { Logger } from '../../server/logging/logger.js';
import type { Store } from '../../server/store/index.js';
import type { ApexApi, ApexObject } from '../apex/apex-api.js';
import { first, generateActorKeys, personaDocument, storedPersonaActor, type PersonaProfile } from './persona-actor.js';

const PUBLIC = 'https://www.w3.org/ns/activitystreams#Public';

/** Queues a signed Delete of an actor and answers the receipt that tracks it. */
export interface DeletionSender {
  sendDeletion(input: { activity: Record<string, unknown>; inboxes: string[]; keyId: string; privateKeyPem: string }): Promise<{ receiptId: string }>;
}


/**
 * The ActivityPub side of personas: each persona is its own Person with its
 * own RSA-2048 key pair and collections, created, re-published and deleted
 * here. Implements the accounts layer's PersonaFederation port.
 */
export class PersonaActors {
  constructor(
    private readonly deps: { apex: ApexApi; store: Pick<Store, 'apex' | 'federation'>; publicUrl: string; log: Logger; deletions: DeletionSender; /** Told after an actor (local or remote) is purged; never rejects. */ onPurged: (actorId: string) => Promise<void> },
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
   * queues one signed Delete per inbox (the key travels only inside the queued
   * job, erased when the job ends), purges the actor from the store and
   * leaves a Tombstone so its URL answers 410 and its handle stays taken.
   */
  async deleteActor(handle: string): Promise<{ receiptId: string }> {
    const { store, log } = this.deps;
    // Idempotent: a second call (the accounts side retrying) answers the same receipt.
    const done = await store.federation.getTombstone(this.actorIdOf(handle));
    if (done) return { receiptId: done.receiptId };
    const actor = await this.localActor(handle);
    const privateKeyPem = actor._meta?.privateKey;
    const keyId = first((actor.publicKey as Array<{ id?: unknown }> | undefined)?.[0]?.id);
    if (typeof privateKeyPem !== 'string' || !keyId) throw new Error(`actor ${actor.id} has no signing key`);

    const inboxes = new Set(await store.federation.contacts(actor.id));
    const { followers, following } = await this.relationshipsOf(actor);
    for (const remote of [...followers, ...following]) {
      const inbox = await this.inboxOf(remote);
      if (inbox) inboxes.add(inbox);
    }
    for (const inbox of inboxes) if (inbox.startsWith(`${this.deps.publicUrl}/`)) inboxes.delete(inbox);

    const activity = {
      '@context': 'https://www.w3.org/ns/activitystreams',
      id: `${actor.id}#delete`,
      type: 'Delete',
      actor: actor.id,
      object: actor.id,
      to: [PUBLIC],
    };
    const { receiptId } = await this.deps.deletions.sendDeletion({ activity, inboxes: [...inboxes], keyId, privateKeyPem });
    await store.federation.putTombstone({ actorId: actor.id, handle, deletedAt: new Date().toISOString(), receiptId });
    const purged = await store.federation.purgeActor(actor.id);
    log.info({ receiptId, inboxes: inboxes.size, ...purged }, 'persona actor deleted');
    await this.notifyPurged(actor.id);
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
