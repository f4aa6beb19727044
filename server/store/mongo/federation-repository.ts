import type { Db } from 'mongodb';
import type { ActorTombstone, FederationRepository } from '../port.js';

/** MongoDB side of {@link FederationRepository}; apex's collections are `objects` and `streams`. */
export class MongoFederationRepository implements FederationRepository {
  constructor(private readonly db: Db) {}

  /** Unique indexes, created at boot. */
  async setup(): Promise<void> {
    await this.db.collection('fed_tombstones').createIndex({ actorId: 1 }, { unique: true });
    await this.db.collection('fed_tombstones').createIndex({ handle: 1 }, { unique: true });
    await this.db.collection('fed_contacts').createIndex({ actorId: 1, inbox: 1 }, { unique: true });
  }

  async putTombstone(tombstone: ActorTombstone): Promise<void> {
    await this.db.collection('fed_tombstones').updateOne(
      { actorId: tombstone.actorId },
      { $setOnInsert: { ...tombstone } },
      { upsert: true },
    );
  }

  async getTombstone(actorId: string): Promise<ActorTombstone | undefined> {
    const doc = await this.db.collection('fed_tombstones').findOne({ actorId }, { projection: { _id: 0 } });
    return doc ? { actorId: String(doc.actorId), handle: String(doc.handle), deletedAt: String(doc.deletedAt) } : undefined;
  }

  async recordContacts(actorId: string, inboxes: readonly string[]): Promise<void> {
    if (inboxes.length === 0) return;
    await this.db.collection('fed_contacts').bulkWrite(
      inboxes.map((inbox) => ({ updateOne: { filter: { actorId, inbox }, update: { $setOnInsert: { actorId, inbox } }, upsert: true } })),
      { ordered: false },
    );
  }

  async contacts(actorId: string): Promise<string[]> {
    const docs = await this.db.collection('fed_contacts').find({ actorId }).sort({ inbox: 1 }).toArray();
    return docs.map((d) => String(d.inbox));
  }

  async purgeActor(actorId: string): Promise<{ objects: number; activities: number }> {
    const objects = await this.db.collection('objects').deleteMany({ id: actorId });
    const activities = await this.db.collection('streams').deleteMany({ $or: [{ actor: actorId }, { object: actorId }, { 'object.id': actorId }] });
    await this.db.collection('fed_contacts').deleteMany({ actorId });
    await this.db.collection('deliveryQueue').deleteMany({ actorId });
    return { objects: objects.deletedCount, activities: activities.deletedCount };
  }
}
