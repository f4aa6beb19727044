import type { Collection, Db } from 'mongodb';
import { urlOnDomain } from '../../core/domains.js';
import type { RemoteRoomRecord, RemoteRoomRepository } from '../remote-rooms-port.js';

type RemoteRoomDocument = RemoteRoomRecord & { sortAt: Date; _id?: unknown };

function toRecord(d: RemoteRoomDocument): RemoteRoomRecord {
  return {
    id: d.id, hostActorId: d.hostActorId, origin: d.origin, title: d.title, summary: d.summary, status: d.status,
    audience: d.audience, speakers: [...d.speakers], listenerCount: d.listenerCount, startTime: d.startTime ?? null,
    endTime: d.endTime ?? null, url: d.url ?? null, joinEndpoint: d.joinEndpoint ?? null, updatedAt: d.updatedAt, receivedAt: d.receivedAt,
  };
}

const regexLiteral = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** MongoDB side of {@link RemoteRoomRepository}: collection `remote_rooms`. */
export class MongoRemoteRoomRepository implements RemoteRoomRepository {
  private readonly rooms: Collection<RemoteRoomDocument>;

  constructor(private readonly db: Db) {
    this.rooms = db.collection<RemoteRoomDocument>('remote_rooms');
  }

  /** Indexes, created at boot. */
  async setup(): Promise<void> {
    await this.rooms.createIndex({ id: 1 }, { unique: true });
    await this.rooms.createIndex({ status: 1, sortAt: -1, id: 1 });
    await this.rooms.createIndex({ hostActorId: 1 });
  }

  async put(room: RemoteRoomRecord): Promise<boolean> {
    const doc: RemoteRoomDocument = { ...room, speakers: [...room.speakers], sortAt: room.startTime ?? room.receivedAt };
    try {
      // Only a copy that is not older replaces the stored one; none stored: insert.
      const result = await this.rooms.replaceOne({ id: room.id, updatedAt: { $lte: room.updatedAt } }, doc, { upsert: true });
      return result.modifiedCount + result.upsertedCount === 1 || result.matchedCount === 1;
    } catch (e) {
      // The upsert met a newer stored copy (unique id): not written.
      if ((e as { code?: number }).code === 11000) return false;
      throw e;
    }
  }

  async get(id: string): Promise<RemoteRoomRecord | undefined> {
    const doc = await this.rooms.findOne({ id });
    return doc ? toRecord(doc) : undefined;
  }

  async delete(id: string): Promise<boolean> {
    return (await this.rooms.deleteOne({ id })).deletedCount === 1;
  }

  async deleteByHost(hostActorId: string): Promise<number> {
    return (await this.rooms.deleteMany({ hostActorId })).deletedCount;
  }

  async deleteOnDomain(domain: string): Promise<number> {
    // Origin's host is the domain or ends with ".domain", with an optional port.
    const pattern = new RegExp(`^https?://([^/@]*\\.)?${regexLiteral(domain)}(:\\d+)?$`, 'i');
    const docs = await this.rooms.find({ origin: { $regex: pattern } }, { projection: { _id: 0, id: 1, origin: 1 } }).toArray();
    const ids = docs.filter((d) => urlOnDomain(d.origin, domain)).map((d) => d.id);
    if (ids.length === 0) return 0;
    return (await this.rooms.deleteMany({ id: { $in: ids } })).deletedCount;
  }

  async listOpen(hosts?: readonly string[]): Promise<RemoteRoomRecord[]> {
    if (hosts !== undefined && hosts.length === 0) return [];
    const filter = hosts === undefined ? { status: { $ne: 'ended' as const } } : { status: { $ne: 'ended' as const }, hostActorId: { $in: [...hosts] } };
    const docs = await this.rooms.find(filter).sort({ sortAt: -1, id: 1 }).toArray();
    return docs.map(toRecord);
  }

  async followedLocally(hostActorId: string, publicUrl: string): Promise<boolean> {
    const pattern = new RegExp(`^${regexLiteral(publicUrl)}/u/[^/]+/following$`);
    return (await this.db.collection('streams').countDocuments({ object: hostActorId, '_meta.collection': pattern }, { limit: 1 })) > 0;
  }
}
