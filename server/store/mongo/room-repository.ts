import type { Collection, Db } from 'mongodb';
import type { RoomInvitation, RoomPatch, RoomRecord, RoomRepository } from '../rooms-port.js';

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

type InvitationDocument = RoomInvitation & { _id?: unknown };

/** MongoDB side of {@link RoomRepository}: collections `rooms`, `room_bans` and `room_invitations`. */
export class MongoRoomRepository implements RoomRepository {
  private readonly rooms: Collection<RoomDocument>;
  private readonly bans: Collection<BanDocument>;
  private readonly invitations: Collection<InvitationDocument>;

  constructor(db: Db) {
    this.rooms = db.collection<RoomDocument>('rooms');
    this.bans = db.collection<BanDocument>('room_bans');
    this.invitations = db.collection<InvitationDocument>('room_invitations');
  }

  /** Indexes, created at boot. */
  async setup(): Promise<void> {
    await this.rooms.createIndex({ id: 1 }, { unique: true });
    await this.rooms.createIndex({ state: 1, createdAt: 1 });
    await this.rooms.createIndex({ hostPersonaId: 1, createdAt: 1 });
    await this.bans.createIndex({ roomId: 1, subject: 1 }, { unique: true });
    await this.bans.createIndex({ subject: 1 });
    await this.invitations.createIndex({ roomId: 1, personaId: 1 }, { unique: true });
    await this.invitations.createIndex({ personaId: 1 });
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

  async deleteByHost(hostPersonaId: string): Promise<number> {
    const ids = (await this.rooms.find({ hostPersonaId }, { projection: { id: 1 } }).toArray()).map((r) => r.id);
    if (ids.length === 0) return 0;
    await this.bans.deleteMany({ roomId: { $in: ids } });
    await this.invitations.deleteMany({ roomId: { $in: ids } });
    return (await this.rooms.deleteMany({ hostPersonaId })).deletedCount;
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

  async addInvitation(invitation: RoomInvitation): Promise<boolean> {
    const { roomId, personaId } = invitation;
    const result = await this.invitations.updateOne({ roomId, personaId }, { $setOnInsert: { ...invitation } }, { upsert: true });
    return result.upsertedCount === 1;
  }

  async removeInvitation(roomId: string, personaId: string): Promise<boolean> {
    return (await this.invitations.deleteOne({ roomId, personaId })).deletedCount === 1;
  }

  async isInvited(roomId: string, personaId: string): Promise<boolean> {
    return (await this.invitations.countDocuments({ roomId, personaId }, { limit: 1 })) > 0;
  }

  async listInvitations(roomId: string): Promise<RoomInvitation[]> {
    const docs = await this.invitations.find({ roomId }).sort({ invitedAt: 1, personaId: 1 }).toArray();
    return docs.map((d) => ({ roomId: d.roomId, personaId: d.personaId, invitedAt: d.invitedAt }));
  }

  async deleteInvitationsOf(personaId: string): Promise<number> {
    return (await this.invitations.deleteMany({ personaId })).deletedCount;
  }

  async delete(id: string): Promise<boolean> {
    const deleted = (await this.rooms.deleteOne({ id })).deletedCount === 1;
    await this.bans.deleteMany({ roomId: id });
    await this.invitations.deleteMany({ roomId: id });
    return deleted;
  }
}
