/**
 * The activities of a local room, built and addressed with apex and queued
 * on the durable delivery queue (shared inboxes, local followers in-process).
 * A public room's Create is kept in the host's outbox; Updates and Deletes
 * are sent, not kept (the Event served at the room's id is always current).
 */
import type { Logger } from '../../server/core/logging/logger.js';
import type { Store } from '../../server/store/index.js';
import type { ApexApi, ApexObject } from '../apex/apex-api.js';
import { first } from '../actors/persona-actor.js';
import { roomAudience, roomEventDocument, roomEventId, type FederatedRoom } from './room-event.js';
import type { RoomActivitySender } from './room-publisher.js';

export class ApexRoomSender implements RoomActivitySender {
  /** Last `updated` sent per room, so two Updates in one millisecond still order. */
  readonly #lastUpdated = new Map<string, number>();

  constructor(private readonly deps: { apex: ApexApi; store: Pick<Store, 'apex'>; publicUrl: string; log: Logger }) {}

  async create(room: FederatedRoom): Promise<void> {
    const built = await this.#build('Create', room);
    if (!built) return;
    const { actor, activity } = built;
    if (room.room.visibility === 'public') await this.deps.apex.addToOutbox(actor, activity);
    else await this.deps.apex.publishActivity(actor, activity);
    this.deps.log.info({ roomId: room.room.id }, 'room Create queued');
  }

  async update(room: FederatedRoom): Promise<void> {
    const built = await this.#build('Update', room);
    if (!built) return;
    await this.deps.apex.publishActivity(built.actor, built.activity);
    this.deps.log.debug({ roomId: room.room.id, state: room.room.state }, 'room Update queued');
  }

  async remove(room: FederatedRoom): Promise<void> {
    const { apex, store, publicUrl } = this.deps;
    const audience = roomAudience(room.room, room.hostActorId);
    const actor = audience ? await this.#actor(room.hostActorId) : undefined;
    if (!audience || !actor) return;
    const id = roomEventId(publicUrl, room.room.id);
    const outbox = first(actor.outbox);
    const create = outbox ? await store.apex.findActivityByCollectionAndObjectId(outbox, id, true) : null;
    if (create) await store.apex.removeActivity(create, actor.id);
    const activity = await apex.buildActivity('Delete', actor.id, audience.to, {
      cc: audience.cc,
      object: { id, type: 'Tombstone', formerType: 'Event', deleted: new Date().toISOString() },
    });
    await apex.publishActivity(actor, activity);
    this.#lastUpdated.delete(room.room.id);
  }

  async #build(type: 'Create' | 'Update', room: FederatedRoom): Promise<{ actor: ApexObject; activity: ApexObject } | undefined> {
    const updated = Math.max(Date.now(), (this.#lastUpdated.get(room.room.id) ?? 0) + 1);
    this.#lastUpdated.set(room.room.id, updated);
    if (room.room.state === 'ended') this.#lastUpdated.delete(room.room.id);
    const doc = roomEventDocument(room, this.deps.publicUrl, new Date(updated));
    if (!doc) return undefined; // invite-only: never federated
    // A host deleted meanwhile has no actor (and its Delete covers its rooms).
    const actor = await this.#actor(room.hostActorId);
    if (!actor) return undefined;
    const { '@context': _context, to, cc, ...object } = doc;
    const activity = await this.deps.apex.buildActivity(type, actor.id, to as string[], { cc, object: { ...object, to, cc } });
    return { actor, activity };
  }

  async #actor(actorId: string): Promise<ApexObject | undefined> {
    const actor = (await this.deps.store.apex.getObject(actorId, true)) as ApexObject | null;
    if (!actor?._meta?.privateKey) return undefined;
    return actor;
  }
}
