/**
 * The accounts part of the storage port: private login accounts, their
 * sessions and recovery codes, personas, retired handles and invite codes.
 *
 * Privacy rules every adapter keeps:
 *  - the persona -> account link exists only in the personas table/collection;
 *  - retired handles and invites carry no account reference and no timestamp
 *    that could tie several retired handles to one deletion;
 *  - secrets (session tokens, recovery and invite codes) are stored only as
 *    hashes computed by the caller; passwords only as scrypt hashes.
 *
 * Usernames and handles are stored exactly as given: callers normalize them
 * (lowercase) before every call.
 */

/** A login account. */
export interface AccountRecord {
  /** Random, never shown to anyone but the owner's own server. */
  id: string;
  /** Private login name (lowercase); never federated nor shown to other users. */
  username: string;
  /** Self-describing scrypt hash (parameters and salt included). */
  passwordHash: string;
  isAdmin: boolean;
}

/** A login session. */
export interface SessionRecord {
  id: string;
  accountId: string;
  /** The persona this session acts as, if one was chosen. */
  actingPersonaId: string | null;
  createdAt: Date;
  lastUsedAt: Date;
}

/** A persona: one public identity (an ActivityPub actor) of an account. */
export interface PersonaRecord {
  /** Random (not sequential), so ids reveal nothing about creation order. */
  id: string;
  accountId: string;
  /** Lowercase handle, unique on the instance, never reused once retired. */
  handle: string;
  displayName: string;
  summary: string;
  discoverable: boolean;
  approveFollowers: boolean;
  /** The actor URL once federation provisioned it. */
  actorId: string | null;
}

/** Fields of a persona that the owner may change. */
export interface PersonaPatch {
  displayName?: string;
  summary?: string;
  discoverable?: boolean;
  approveFollowers?: boolean;
}

/** Why an account was not created. */
export type CreateAccountOutcome = 'created' | 'username_taken' | 'invite_unknown' | 'invite_used';

/** Why a persona was not created. */
export type CreatePersonaOutcome = 'created' | 'handle_taken' | 'handle_retired' | 'limit_reached';

/** Accounts and their recovery codes. */
export interface AccountRepository {
  /**
   * Creates an account with its recovery code hashes. With `inviteCodeHash`,
   * the invite is consumed in the same step; an unknown or used invite, or a
   * taken username, creates nothing and leaves the invite as it was.
   */
  create(account: AccountRecord, recoveryCodeHashes: readonly string[], inviteCodeHash?: string): Promise<CreateAccountOutcome>;
  findById(id: string): Promise<AccountRecord | undefined>;
  /** Number of accounts (to tell a fresh instance, whose first account becomes admin). */
  count(): Promise<number>;
  findByUsername(username: string): Promise<AccountRecord | undefined>;
  /** Answers whether the account exists. */
  setPasswordHash(id: string, passwordHash: string): Promise<boolean>;
  /** Answers whether an account has that username. */
  setAdmin(username: string, isAdmin: boolean): Promise<boolean>;
  /** Usernames of the administrators, in order. */
  listAdmins(): Promise<string[]>;
  /** Replaces every recovery code of the account. */
  replaceRecoveryCodes(accountId: string, codeHashes: readonly string[]): Promise<void>;
  countRecoveryCodes(accountId: string): Promise<number>;
  /**
   * Consumes the recovery code, sets the new password hash and ends every
   * session of the account; `false` (and nothing changed) when the account
   * has no such code.
   */
  recover(accountId: string, codeHash: string, newPasswordHash: string): Promise<boolean>;
  /**
   * Deletes the account and everything that is its: sessions, recovery codes
   * and personas, whose handles are retired. Answers the retired handles, or
   * `undefined` when there was no such account. No soft delete.
   */
  delete(id: string): Promise<string[] | undefined>;
}

/** Login sessions; the token itself is never stored, only its hash. */
export interface SessionRepository {
  create(session: SessionRecord, tokenHash: string): Promise<void>;
  findByTokenHash(tokenHash: string): Promise<SessionRecord | undefined>;
  /** The account's sessions, oldest first. */
  listByAccount(accountId: string): Promise<SessionRecord[]>;
  touch(id: string, at: Date): Promise<void>;
  setActingPersona(id: string, personaId: string | null): Promise<void>;
  /** Deletes one session of this account; `false` when it has none with that id. */
  delete(id: string, accountId: string): Promise<boolean>;
  /** Ends every session of the account; answers how many there were. */
  deleteAllForAccount(accountId: string): Promise<number>;
  /** Ends sessions idle since before `cutoff`; answers how many. */
  deleteIdleSince(cutoff: Date): Promise<number>;
}

/** Personas and retired handles. */
export interface PersonaRepository {
  /**
   * Creates a persona unless its handle is in use or retired, or the account
   * already has `limit` personas.
   */
  create(persona: PersonaRecord, limit: number): Promise<CreatePersonaOutcome>;
  findById(id: string): Promise<PersonaRecord | undefined>;
  findByHandle(handle: string): Promise<PersonaRecord | undefined>;
  /** The account's personas, by handle. */
  listByAccount(accountId: string): Promise<PersonaRecord[]>;
  /** Applies the patch; answers the updated persona, or `undefined` when there is none. */
  update(id: string, patch: PersonaPatch): Promise<PersonaRecord | undefined>;
  setActorId(id: string, actorId: string): Promise<void>;
  /**
   * Deletes the persona, retires its handle for ever and ends the sessions
   * acting as it. Answers the deleted persona, or `undefined`.
   */
  delete(id: string): Promise<PersonaRecord | undefined>;
  /**
   * Removes a persona that was never published (its actor could not be
   * provisioned), freeing its handle again. Not for deletion by users.
   */
  discardUnpublished(id: string): Promise<void>;
  isRetired(handle: string): Promise<boolean>;
  /** Discoverable personas by handle, after `afterHandle` when given. */
  listDiscoverable(limit: number, afterHandle?: string): Promise<PersonaRecord[]>;
  /**
   * Discoverable personas whose handle or display name contains `query`
   * (compared in lowercase), by handle.
   */
  searchDiscoverable(query: string, limit: number): Promise<PersonaRecord[]>;
}

/** Single-use invite codes, stored as hashes. */
export interface InviteRepository {
  create(codeHash: string, createdAt: Date): Promise<void>;
  /** `undefined` when unknown. */
  find(codeHash: string): Promise<{ createdAt: Date; usedAt: Date | null } | undefined>;
}

/** The text searched by {@link PersonaRepository.searchDiscoverable}: the same in every adapter. */
export function personaSearchText(handle: string, displayName: string): string {
  return `${handle}\n${displayName}`.toLowerCase();
}

/** The patch without keys whose value is `undefined` (so a spread does not erase fields). */
export function definedOnly(patch: PersonaPatch): PersonaPatch {
  const defined: PersonaPatch = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
  return defined;
}
