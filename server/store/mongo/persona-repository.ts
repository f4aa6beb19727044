import {
  definedOnly, personaSearchText, type CreatePersonaOutcome, type PersonaPatch, type PersonaRecord,
  type PersonaRepository, type SessionRecord, type SessionRepository,
} from '../accounts-port.js';
import { isDuplicateKey, type MongoAccountCollections, type PersonaDocument, type SessionDocument } from './accounts-collections.js';

function toPersona(doc: PersonaDocument): PersonaRecord {
  return {
    id: doc._id,
    accountId: doc.accountId,
    handle: doc.handle,
    displayName: doc.displayName,
    summary: doc.summary,
    discoverable: doc.discoverable,
    approveFollowers: doc.approveFollowers,
    actorId: doc.actorId,
  };
}

function toSession(doc: SessionDocument): SessionRecord {
  return {
    id: doc._id,
    accountId: doc.accountId,
    actingPersonaId: doc.actingPersonaId,
    createdAt: doc.createdAt,
    lastUsedAt: doc.lastUsedAt,
  };
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Personas and retired handles on MongoDB (see {@link HandleDocument} for handle reservation). */
export class MongoPersonaRepository implements PersonaRepository {
  constructor(private readonly c: MongoAccountCollections) {}

  async create(persona: PersonaRecord, limit: number): Promise<CreatePersonaOutcome> {
    // Same order of checks as the SQLite adapter: retired, taken, limit.
    const existing = await this.c.handles.findOne({ _id: persona.handle });
    if (existing) return existing.retired ? 'handle_retired' : 'handle_taken';
    if ((await this.c.personas.countDocuments({ accountId: persona.accountId })) >= limit) return 'limit_reached';
    try {
      await this.c.handles.insertOne({ _id: persona.handle, retired: false });
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      const winner = await this.c.handles.findOne({ _id: persona.handle });
      return winner?.retired ? 'handle_retired' : 'handle_taken';
    }
    await this.c.personas.insertOne({
      _id: persona.id,
      accountId: persona.accountId,
      handle: persona.handle,
      displayName: persona.displayName,
      summary: persona.summary,
      discoverable: persona.discoverable,
      approveFollowers: persona.approveFollowers,
      actorId: persona.actorId,
      searchText: personaSearchText(persona.handle, persona.displayName),
    });
    // Two creations racing past the count: the later one backs out.
    if ((await this.c.personas.countDocuments({ accountId: persona.accountId })) > limit) {
      await this.discardUnpublished(persona.id);
      return 'limit_reached';
    }
    return 'created';
  }

  async findById(id: string): Promise<PersonaRecord | undefined> {
    const doc = await this.c.personas.findOne({ _id: id });
    return doc ? toPersona(doc) : undefined;
  }

  async findByHandle(handle: string): Promise<PersonaRecord | undefined> {
    const doc = await this.c.personas.findOne({ handle });
    return doc ? toPersona(doc) : undefined;
  }

  async listByAccount(accountId: string): Promise<PersonaRecord[]> {
    return (await this.c.personas.find({ accountId }).sort({ handle: 1 }).toArray()).map(toPersona);
  }

  async update(id: string, patch: PersonaPatch): Promise<PersonaRecord | undefined> {
    const doc = await this.c.personas.findOne({ _id: id });
    if (!doc) return undefined;
    const next: PersonaRecord = { ...toPersona(doc), ...definedOnly(patch) };
    await this.c.personas.updateOne(
      { _id: id },
      {
        $set: {
          displayName: next.displayName,
          summary: next.summary,
          discoverable: next.discoverable,
          approveFollowers: next.approveFollowers,
          searchText: personaSearchText(next.handle, next.displayName),
        },
      },
    );
    return next;
  }

  async setActorId(id: string, actorId: string): Promise<void> {
    await this.c.personas.updateOne({ _id: id }, { $set: { actorId } });
  }

  async delete(id: string): Promise<PersonaRecord | undefined> {
    const doc = await this.c.personas.findOne({ _id: id });
    if (!doc) return undefined;
    await this.c.handles.updateOne({ _id: doc.handle }, { $set: { retired: true } }, { upsert: true });
    await this.c.sessions.deleteMany({ actingPersonaId: id });
    await this.c.personas.deleteOne({ _id: id });
    return toPersona(doc);
  }

  async discardUnpublished(id: string): Promise<void> {
    const doc = await this.c.personas.findOne({ _id: id });
    if (!doc) return;
    await this.c.personas.deleteOne({ _id: id });
    await this.c.handles.deleteOne({ _id: doc.handle, retired: false });
  }

  async isRetired(handle: string): Promise<boolean> {
    return (await this.c.handles.countDocuments({ _id: handle, retired: true })) > 0;
  }

  async listDiscoverable(limit: number, afterHandle?: string): Promise<PersonaRecord[]> {
    const docs = await this.c.personas
      .find({ discoverable: true, handle: { $gt: afterHandle ?? '' } })
      .sort({ handle: 1 })
      .limit(limit)
      .toArray();
    return docs.map(toPersona);
  }

  async searchDiscoverable(query: string, limit: number): Promise<PersonaRecord[]> {
    const docs = await this.c.personas
      .find({ discoverable: true, searchText: { $regex: escapeRegex(query.toLowerCase()) } })
      .sort({ handle: 1 })
      .limit(limit)
      .toArray();
    return docs.map(toPersona);
  }
}

/** Login sessions on MongoDB. */
export class MongoSessionRepository implements SessionRepository {
  constructor(private readonly c: MongoAccountCollections) {}

  async create(session: SessionRecord, tokenHash: string): Promise<void> {
    await this.c.sessions.insertOne({
      _id: session.id,
      tokenHash,
      accountId: session.accountId,
      actingPersonaId: session.actingPersonaId,
      createdAt: session.createdAt,
      lastUsedAt: session.lastUsedAt,
    });
  }

  async findByTokenHash(tokenHash: string): Promise<SessionRecord | undefined> {
    const doc = await this.c.sessions.findOne({ tokenHash });
    return doc ? toSession(doc) : undefined;
  }

  async listByAccount(accountId: string): Promise<SessionRecord[]> {
    return (await this.c.sessions.find({ accountId }).sort({ createdAt: 1, _id: 1 }).toArray()).map(toSession);
  }

  async touch(id: string, at: Date): Promise<void> {
    await this.c.sessions.updateOne({ _id: id }, { $max: { lastUsedAt: at } });
  }

  async setActingPersona(id: string, personaId: string | null): Promise<void> {
    await this.c.sessions.updateOne({ _id: id }, { $set: { actingPersonaId: personaId } });
  }

  async delete(id: string, accountId: string): Promise<boolean> {
    return (await this.c.sessions.deleteOne({ _id: id, accountId })).deletedCount > 0;
  }

  async deleteAllForAccount(accountId: string): Promise<number> {
    return (await this.c.sessions.deleteMany({ accountId })).deletedCount;
  }

  async deleteIdleSince(cutoff: Date): Promise<number> {
    return (await this.c.sessions.deleteMany({ lastUsedAt: { $lt: cutoff } })).deletedCount;
  }
}
