import { MongoServerError, type Collection, type Db } from 'mongodb';

/*
 * Every document of the accounts collections has a string `_id` chosen by
 * Hearth: an ObjectId would embed its creation time, which is exactly what
 * must not tie personas (or retired handles) created together.
 *
 * Without multi-document transactions, multi-step changes are ordered so that
 * a crash between steps leaves a state that is safe and can be retried:
 * handles are retired before rows go, the account row goes last.
 */

export interface AccountDocument {
  _id: string;
  username: string;
  passwordHash: string;
  isAdmin: boolean;
}

export interface RecoveryCodeDocument {
  /** `<accountId>:<codeHash>`. */
  _id: string;
  accountId: string;
}

export interface InviteDocument {
  /** The code's hash. */
  _id: string;
  createdAt: Date;
  usedAt: Date | null;
}

export interface SessionDocument {
  _id: string;
  tokenHash: string;
  accountId: string;
  actingPersonaId: string | null;
  createdAt: Date;
  lastUsedAt: Date;
}

export interface PersonaDocument {
  _id: string;
  accountId: string;
  handle: string;
  displayName: string;
  summary: string;
  discoverable: boolean;
  approveFollowers: boolean;
  actorId: string | null;
  /** See `personaSearchText`. */
  searchText: string;
}

/**
 * One per handle ever taken: `retired: false` while a persona holds it,
 * `true` for ever after its deletion. Taking a handle is inserting this
 * document, so two personas can never race for one handle, nor a new persona
 * for a handle being retired. No account reference.
 */
export interface HandleDocument {
  _id: string;
  retired: boolean;
}

/** MongoDB's duplicate-key error. */
export function isDuplicateKey(error: unknown): boolean {
  return error instanceof MongoServerError && error.code === 11000;
}

/** The collections of the accounts domain, shared by its MongoDB repositories. */
export class MongoAccountCollections {
  readonly accounts: Collection<AccountDocument>;
  readonly recoveryCodes: Collection<RecoveryCodeDocument>;
  readonly invites: Collection<InviteDocument>;
  readonly sessions: Collection<SessionDocument>;
  readonly personas: Collection<PersonaDocument>;
  readonly handles: Collection<HandleDocument>;

  constructor(db: Db) {
    this.accounts = db.collection('accounts');
    this.recoveryCodes = db.collection('recovery_codes');
    this.invites = db.collection('invites');
    this.sessions = db.collection('sessions');
    this.personas = db.collection('personas');
    this.handles = db.collection('persona_handles');
  }

  /** Unique and lookup indexes, created at boot. */
  async setup(): Promise<void> {
    await this.accounts.createIndex({ username: 1 }, { unique: true });
    await this.recoveryCodes.createIndex({ accountId: 1 });
    await this.sessions.createIndex({ tokenHash: 1 }, { unique: true });
    await this.sessions.createIndex({ accountId: 1, createdAt: 1 });
    await this.sessions.createIndex({ actingPersonaId: 1 });
    await this.sessions.createIndex({ lastUsedAt: 1 });
    await this.personas.createIndex({ handle: 1 }, { unique: true });
    await this.personas.createIndex({ accountId: 1, handle: 1 });
    await this.personas.createIndex({ discoverable: 1, handle: 1 });
  }
}
