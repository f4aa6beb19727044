import type { Database, Statement } from 'better-sqlite3';
import type { AccountRecord, AccountRepository, CreateAccountOutcome, InviteRepository } from '../accounts-port.js';
import { settle } from './settle.js';

interface AccountRow {
  id: string;
  username: string;
  password_hash: string;
  is_admin: number;
}

function toAccount(row: AccountRow): AccountRecord {
  return { id: row.id, username: row.username, passwordHash: row.password_hash, isAdmin: row.is_admin === 1 };
}

/** Accounts and recovery codes in the tables of migration 3; multi-row changes run in one transaction. */
export class SqliteAccountRepository implements AccountRepository {
  private readonly stmt: {
    insert: Statement<[string, string, string, number]>;
    byId: Statement<[string], AccountRow>;
    byUsername: Statement<[string], AccountRow>;
    setPassword: Statement<[string, string]>;
    setAdmin: Statement<[number, string]>;
    deleteCodes: Statement<[string]>;
    insertCode: Statement<[string, string]>;
    countCodes: Statement<[string], number>;
    consumeCode: Statement<[string, string]>;
    deleteSessions: Statement<[string]>;
    inviteUsedAt: Statement<[string], { used_at: number | null }>;
    useInvite: Statement<[number, string]>;
    retireHandles: Statement<[string]>;
    handles: Statement<[string], string>;
    deleteAccount: Statement<[string]>;
  };

  constructor(private readonly db: Database) {
    this.stmt = {
      insert: db.prepare('INSERT INTO accounts (id, username, password_hash, is_admin) VALUES (?, ?, ?, ?) ON CONFLICT (username) DO NOTHING'),
      byId: db.prepare('SELECT id, username, password_hash, is_admin FROM accounts WHERE id = ?'),
      byUsername: db.prepare('SELECT id, username, password_hash, is_admin FROM accounts WHERE username = ?'),
      setPassword: db.prepare('UPDATE accounts SET password_hash = ? WHERE id = ?'),
      setAdmin: db.prepare('UPDATE accounts SET is_admin = ? WHERE username = ?'),
      deleteCodes: db.prepare('DELETE FROM recovery_codes WHERE account_id = ?'),
      insertCode: db.prepare('INSERT OR IGNORE INTO recovery_codes (account_id, code_hash) VALUES (?, ?)'),
      countCodes: db.prepare<[string], number>('SELECT count(*) FROM recovery_codes WHERE account_id = ?').pluck(),
      consumeCode: db.prepare('DELETE FROM recovery_codes WHERE account_id = ? AND code_hash = ?'),
      deleteSessions: db.prepare('DELETE FROM sessions WHERE account_id = ?'),
      inviteUsedAt: db.prepare('SELECT used_at FROM invites WHERE code_hash = ?'),
      useInvite: db.prepare('UPDATE invites SET used_at = ? WHERE code_hash = ? AND used_at IS NULL'),
      retireHandles: db.prepare('INSERT OR IGNORE INTO handle_tombstones (handle) SELECT handle FROM personas WHERE account_id = ?'),
      handles: db.prepare<[string], string>('SELECT handle FROM personas WHERE account_id = ? ORDER BY handle').pluck(),
      deleteAccount: db.prepare('DELETE FROM accounts WHERE id = ?'),
    };
  }

  create(account: AccountRecord, recoveryCodeHashes: readonly string[], inviteCodeHash?: string): Promise<CreateAccountOutcome> {
    return settle(() =>
      // IMMEDIATE: the invite check and its use cannot interleave with another process's.
      this.db.transaction((): CreateAccountOutcome => {
        if (inviteCodeHash !== undefined) {
          const invite = this.stmt.inviteUsedAt.get(inviteCodeHash);
          if (!invite) return 'invite_unknown';
          if (invite.used_at !== null) return 'invite_used';
        }
        const inserted = this.stmt.insert.run(account.id, account.username, account.passwordHash, account.isAdmin ? 1 : 0);
        if (inserted.changes === 0) return 'username_taken';
        for (const hash of recoveryCodeHashes) this.stmt.insertCode.run(account.id, hash);
        if (inviteCodeHash !== undefined) this.stmt.useInvite.run(Date.now(), inviteCodeHash);
        return 'created';
      }).immediate(),
    );
  }

  count(): Promise<number> {
    return settle(() => this.db.prepare('SELECT count(*) FROM accounts').pluck().get() as number);
  }

  listAdmins(): Promise<string[]> {
    return settle(() => this.db.prepare('SELECT username FROM accounts WHERE is_admin = 1 ORDER BY username').pluck().all() as string[]);
  }

  findById(id: string): Promise<AccountRecord | undefined> {
    return settle(() => {
      const row = this.stmt.byId.get(id);
      return row && toAccount(row);
    });
  }

  findByUsername(username: string): Promise<AccountRecord | undefined> {
    return settle(() => {
      const row = this.stmt.byUsername.get(username);
      return row && toAccount(row);
    });
  }

  setPasswordHash(id: string, passwordHash: string): Promise<boolean> {
    return settle(() => this.stmt.setPassword.run(passwordHash, id).changes > 0);
  }

  setAdmin(username: string, isAdmin: boolean): Promise<boolean> {
    return settle(() => this.stmt.setAdmin.run(isAdmin ? 1 : 0, username).changes > 0);
  }

  replaceRecoveryCodes(accountId: string, codeHashes: readonly string[]): Promise<void> {
    return settle(() =>
      this.db.transaction(() => {
        this.stmt.deleteCodes.run(accountId);
        for (const hash of codeHashes) this.stmt.insertCode.run(accountId, hash);
      })(),
    );
  }

  countRecoveryCodes(accountId: string): Promise<number> {
    return settle(() => this.stmt.countCodes.get(accountId) ?? 0);
  }

  recover(accountId: string, codeHash: string, newPasswordHash: string): Promise<boolean> {
    return settle(() =>
      this.db.transaction(() => {
        if (this.stmt.consumeCode.run(accountId, codeHash).changes === 0) return false;
        this.stmt.setPassword.run(newPasswordHash, accountId);
        this.stmt.deleteSessions.run(accountId);
        return true;
      }).immediate(),
    );
  }

  delete(id: string): Promise<string[] | undefined> {
    return settle(() =>
      this.db.transaction(() => {
        const handles = this.stmt.handles.all(id);
        this.stmt.retireHandles.run(id);
        // Sessions, recovery codes and personas go with the row (ON DELETE CASCADE).
        if (this.stmt.deleteAccount.run(id).changes === 0) return undefined;
        return handles;
      }).immediate(),
    );
  }
}

/** Invite codes (hashes only) in the `invites` table. */
export class SqliteInviteRepository implements InviteRepository {
  private readonly insert: Statement<[string, number]>;
  private readonly select: Statement<[string], { created_at: number; used_at: number | null }>;

  constructor(db: Database) {
    this.insert = db.prepare('INSERT INTO invites (code_hash, created_at) VALUES (?, ?)');
    this.select = db.prepare('SELECT created_at, used_at FROM invites WHERE code_hash = ?');
  }

  create(codeHash: string, createdAt: Date): Promise<void> {
    return settle(() => {
      this.insert.run(codeHash, createdAt.getTime());
    });
  }

  find(codeHash: string): Promise<{ createdAt: Date; usedAt: Date | null } | undefined> {
    return settle(() => {
      const row = this.select.get(codeHash);
      return row && { createdAt: new Date(row.created_at), usedAt: row.used_at === null ? null : new Date(row.used_at) };
    });
  }
}
