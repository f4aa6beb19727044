import type { Db } from 'mongodb';
import { urlOnDomain } from '../../core/domains.js';
import type { ActorTombstone, FederationRepository, FollowRequest, InboundReport } from '../port.js';

/** MongoDB side of {@link FederationRepository}; apex's collections are `objects` and `streams`. */
export class MongoFederationRepository implements FederationRepository {
  constructor(private readonly db: Db) {}

  /** Unique indexes, created at boot. */
  async setup(): Promise<void> {
    await this.db.collection('fed_tombstones').createIndex({ actorId: 1 }, { unique: true });
    await this.db.collection('fed_tombstones').createIndex({ handle: 1 }, { unique: true });
    await this.db.collection('fed_contacts').createIndex({ actorId: 1, inbox: 1 }, { unique: true });
    await this.db.collection('fed_inbox_seen').createIndex({ activityId: 1 }, { unique: true });
    await this.db.collection('fed_follow_requests').createIndex({ followId: 1 }, { unique: true });
    await this.db.collection('fed_follow_requests').createIndex({ localActor: 1, receivedAt: 1 });
    await this.db.collection('fed_reports').createIndex({ activityId: 1 }, { unique: true });
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
    return doc
      ? { actorId: String(doc.actorId), handle: String(doc.handle), deletedAt: String(doc.deletedAt), receiptId: String(doc.receiptId) }
      : undefined;
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
    await this.db.collection('fed_follow_requests').deleteMany({ $or: [{ localActor: actorId }, { remoteActor: actorId }] });
    await this.db.collection('deliveryQueue').deleteMany({ actorId });
    return { objects: objects.deletedCount, activities: activities.deletedCount };
  }

  async claimInbound(activityId: string, receivedAt: string): Promise<boolean> {
    const result = await this.db.collection('fed_inbox_seen').updateOne({ activityId }, { $setOnInsert: { activityId, receivedAt } }, { upsert: true });
    return result.upsertedCount === 1;
  }

  async releaseInbound(activityId: string): Promise<void> {
    await this.db.collection('fed_inbox_seen').deleteOne({ activityId });
  }

  async putFollowRequest(r: FollowRequest): Promise<void> {
    await this.db.collection('fed_follow_requests').replaceOne({ followId: r.followId }, { ...r }, { upsert: true });
  }

  async followRequests(localActor: string): Promise<FollowRequest[]> {
    const docs = await this.db.collection('fed_follow_requests').find({ localActor }, { projection: { _id: 0 } }).sort({ receivedAt: 1, followId: 1 }).toArray();
    return docs.map((d) => ({ followId: String(d.followId), localActor: String(d.localActor), remoteActor: String(d.remoteActor), receivedAt: String(d.receivedAt) }));
  }

  async takeFollowRequest(followId: string): Promise<FollowRequest | undefined> {
    const d = await this.db.collection('fed_follow_requests').findOneAndDelete({ followId });
    const v = d.value;
    return v ? { followId: String(v.followId), localActor: String(v.localActor), remoteActor: String(v.remoteActor), receivedAt: String(v.receivedAt) } : undefined;
  }

  async objectIdsOnDomain(domain: string): Promise<string[]> {
    const escaped = domain.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    // Host is the domain or ends with ".domain", with an optional port, then a path or the end.
    const pattern = new RegExp(`^https?://([^/@]*\\.)?${escaped}(:\\d+)?(/|$)`, 'i');
    const docs = await this.db.collection('objects').find({ id: { $regex: pattern } }, { projection: { _id: 0, id: 1 } }).toArray();
    return docs.map((d) => String(d.id)).filter((id) => urlOnDomain(id, domain));
  }

  async putReport(r: InboundReport): Promise<void> {
    await this.db.collection('fed_reports').updateOne({ activityId: r.activityId }, { $setOnInsert: { ...r } }, { upsert: true });
  }

  async reports(limit: number): Promise<InboundReport[]> {
    const docs = await this.db.collection('fed_reports').find({}, { projection: { _id: 0 } }).sort({ receivedAt: -1 }).limit(limit).toArray();
    return docs.map((d) => ({ activityId: String(d.activityId), reporter: String(d.reporter), objects: (d.objects as string[]) ?? [], content: String(d.content), receivedAt: String(d.receivedAt) }));
  }
}
