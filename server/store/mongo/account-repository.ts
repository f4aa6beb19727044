import type { AccountRecord, AccountRepository, CreateAccountOutcome, InviteRepository } from '../accounts-port.js';
import { isDuplicateKey, type AccountDocument, type MongoAccountCollections } from './accounts-collections.js';

function toAccount(doc: AccountDocument): AccountRecord {
  return { id: doc._id, username: doc.username, passwordHash: doc.passwordHash, isAdmin: doc.isAdmin };
}

/** Accounts and recovery codes on MongoDB. */
export class MongoAccountRepository implements AccountRepository {
  constructor(private readonly c: MongoAccountCollections) {}

  async create(account: AccountRecord, recoveryCodeHashes: readonly string[], inviteCodeHash?: string): Promise<CreateAccountOutcome> {
    // Same order of checks as the SQLite adapter: invite, then username.
    if (inviteCodeHash !== undefined) {
      const invite = await this.c.invites.findOne({ _id: inviteCodeHash });
      if (!invite) return 'invite_unknown';
      if (invite.usedAt !== null) return 'invite_used';
    }
    if (await this.c.accounts.findOne({ username: account.username }, { projection: { _id: 1 } })) return 'username_taken';
    let usedAt: Date | undefined;
    if (inviteCodeHash !== undefined) {
      // The conditional update is what makes an invite single-use under races.
      usedAt = new Date();
      const taken = await this.c.invites.updateOne({ _id: inviteCodeHash, usedAt: null }, { $set: { usedAt } });
      if (taken.modifiedCount === 0) return 'invite_used';
    }
    // Codes first: a crash before the account insert leaves only unreachable hashes.
    if (recoveryCodeHashes.length > 0) {
      await this.c.recoveryCodes.insertMany(recoveryCodeHashes.map((hash) => ({ _id: `${account.id}:${hash}`, accountId: account.id })));
    }
    try {
      await this.c.accounts.insertOne({ _id: account.id, username: account.username, passwordHash: account.passwordHash, isAdmin: account.isAdmin });
      return 'created';
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      // Lost a race for the username: undo the invite use and the codes.
      await this.c.recoveryCodes.deleteMany({ accountId: account.id });
      if (inviteCodeHash !== undefined) await this.c.invites.updateOne({ _id: inviteCodeHash, usedAt }, { $set: { usedAt: null } });
      return 'username_taken';
    }
  }

  async count(): Promise<number> {
    return this.c.accounts.countDocuments({});
  }

  async findById(id: string): Promise<AccountRecord | undefined> {
    const doc = await this.c.accounts.findOne({ _id: id });
    return doc ? toAccount(doc) : undefined;
  }

  async findByUsername(username: string): Promise<AccountRecord | undefined> {
    const doc = await this.c.accounts.findOne({ username });
    return doc ? toAccount(doc) : undefined;
  }

  async setPasswordHash(id: string, passwordHash: string): Promise<boolean> {
    return (await this.c.accounts.updateOne({ _id: id }, { $set: { passwordHash } })).matchedCount > 0;
  }

  async setAdmin(username: string, isAdmin: boolean): Promise<boolean> {
    return (await this.c.accounts.updateOne({ username }, { $set: { isAdmin } })).matchedCount > 0;
  }

  async listAdmins(): Promise<string[]> {
    return (await this.c.accounts.find({ isAdmin: true }, { projection: { username: 1 } }).sort({ username: 1 }).toArray()).map((d) => d.username);
  }

  async replaceRecoveryCodes(accountId: string, codeHashes: readonly string[]): Promise<void> {
    // New codes first, then the old ones go: a crash never leaves the account without codes.
    const keep = codeHashes.map((hash) => `${accountId}:${hash}`);
    if (keep.length > 0) {
      await this.c.recoveryCodes.bulkWrite(
        keep.map((_id) => ({ updateOne: { filter: { _id }, update: { $setOnInsert: { accountId } }, upsert: true } })),
        { ordered: false },
      );
    }
    await this.c.recoveryCodes.deleteMany({ accountId, _id: { $nin: keep } });
  }

  async countRecoveryCodes(accountId: string): Promise<number> {
    return this.c.recoveryCodes.countDocuments({ accountId });
  }

  async recover(accountId: string, codeHash: string, newPasswordHash: string): Promise<boolean> {
    // Consuming the code is the one atomic step that decides; the rest follows it.
    const consumed = await this.c.recoveryCodes.deleteOne({ _id: `${accountId}:${codeHash}`, accountId });
    if (consumed.deletedCount === 0) return false;
    await this.c.accounts.updateOne({ _id: accountId }, { $set: { passwordHash: newPasswordHash } });
    await this.c.sessions.deleteMany({ accountId });
    return true;
  }

  async delete(id: string): Promise<string[] | undefined> {
    if (!(await this.c.accounts.findOne({ _id: id }, { projection: { _id: 1 } }))) return undefined;
    const personas = await this.c.personas.find({ accountId: id }, { projection: { handle: 1 } }).sort({ handle: 1 }).toArray();
    const handles = personas.map((p) => p.handle);
    if (handles.length > 0) {
      await this.c.handles.bulkWrite(
        handles.map((handle) => ({ updateOne: { filter: { _id: handle }, update: { $set: { retired: true } }, upsert: true } })),
        { ordered: false },
      );
    }
    await this.c.sessions.deleteMany({ accountId: id });
    await this.c.recoveryCodes.deleteMany({ accountId: id });
    await this.c.personas.deleteMany({ accountId: id });
    await this.c.accounts.deleteOne({ _id: id });
    return handles;
  }
}

/** Invite codes on MongoDB (hash as `_id`). */
export class MongoInviteRepository implements InviteRepository {
  constructor(private readonly c: MongoAccountCollections) {}

  async create(codeHash: string, createdAt: Date): Promise<void> {
    await this.c.invites.insertOne({ _id: codeHash, createdAt, usedAt: null });
  }

  async find(codeHash: string): Promise<{ createdAt: Date; usedAt: Date | null } | undefined> {
    const doc = await this.c.invites.findOne({ _id: codeHash });
    return doc ? { createdAt: doc.createdAt, usedAt: doc.usedAt } : undefined;
  }
}
