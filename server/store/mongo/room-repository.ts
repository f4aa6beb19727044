import type { Collection, Db } from 'mongodb';
import type { RoomPatch, RoomRecord, RoomRepository } from '../rooms-port.js';

type RoomDocument = RoomRecord & { _id?: unknown };

interface BanDocument {
  roomId: string;
  subject: string;
  bannedAt: Date;
}

function toRecord(d: RoomDocument): RoomRecord {
  return {
    id: d.id, hostPersonaId: d.hostPersonaId, title: d.title, description: d.description, visibility: d.visibility,
    state: d.state, maxSpeakers: d.maxSpeakers, createdAt: d.createdAt, scheduledFor: d.scheduledFor ?? null,
    startedAt: d.startedAt ?? null, endedAt: d.endedAt ?? null,
  };
}

/** MongoDB side of {@link RoomRepository}: collections `rooms` and `room_bans`. */
export class MongoRoomRepository implements RoomRepository {
  private readonly rooms: Collection<RoomDocument>;
  private readonly bans: Collection<BanDocument>;

  constructor(db: Db) {
    this.rooms = db.collection<RoomDocument>('rooms');
    this.bans = db.collection<BanDocument>('room_bans');
  }

  /** Indexes, created at boot. */
  async setup(): Promise<void> {
    await this.rooms.createIndex({ id: 1 }, { unique: true });
    await this.rooms.createIndex({ state: 1, createdAt: 1 });
    await this.rooms.createIndex({ hostPersonaId: 1, createdAt: 1 });
    await this.bans.createIndex({ roomId: 1, subject: 1 }, { unique: true });
    await this.bans.createIndex({ subject: 1 });
  }

  async create(room: RoomRecord): Promise<boolean> {
    const result = await this.rooms.updateOne({ id: room.id }, { $setOnInsert: { ...room } }, { upsert: true });
    return result.upsertedCount === 1;
  }

  async get(id: string): Promise<RoomRecord | undefined> {
    const doc = await this.rooms.findOne({ id });
    return doc ? toRecord(doc) : undefined;
  }

  async update(id: string, patch: RoomPatch): Promise<RoomRecord | undefined> {
    const result = await this.rooms.findOneAndUpdate({ id }, { $set: { ...patch } }, { returnDocument: 'after' });
    return result.value ? toRecord(result.value) : undefined;
  }

  async listOpen(): Promise<RoomRecord[]> {
    const docs = await this.rooms.find({ state: { $ne: 'ended' } }).sort({ createdAt: 1, id: 1 }).toArray();
    return docs.map(toRecord);
  }

  async listByHost(hostPersonaId: string): Promise<RoomRecord[]> {
    const docs = await this.rooms.find({ hostPersonaId }).sort({ createdAt: 1, id: 1 }).toArray();
    return docs.map(toRecord);
  }

  async addBan(roomId: string, subject: string, at: Date): Promise<void> {
    await this.bans.updateOne({ roomId, subject }, { $setOnInsert: { roomId, subject, bannedAt: at } }, { upsert: true });
  }

  async isBanned(roomId: string, subject: string): Promise<boolean> {
    return (await this.bans.countDocuments({ roomId, subject }, { limit: 1 })) > 0;
  }

  async deleteBansOf(subject: string): Promise<number> {
    return (await this.bans.deleteMany({ subject })).deletedCount;
  }
}
