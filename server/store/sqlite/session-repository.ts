import type { Database, Statement } from 'better-sqlite3';
import type { SessionRecord, SessionRepository } from '../accounts-port.js';
import { settle } from './settle.js';

interface SessionRow {
  id: string;
  account_id: string;
  acting_persona_id: string | null;
  created_at: number;
  last_used_at: number;
}

const COLUMNS = 'id, account_id, acting_persona_id, created_at, last_used_at';

function toSession(row: SessionRow): SessionRecord {
  return {
    id: row.id,
    accountId: row.account_id,
    actingPersonaId: row.acting_persona_id,
    createdAt: new Date(row.created_at),
    lastUsedAt: new Date(row.last_used_at),
  };
}

/** Login sessions in the `sessions` table (times as epoch milliseconds). */
export class SqliteSessionRepository implements SessionRepository {
  private readonly stmt: {
    insert: Statement<[string, string, string, string | null, number, number]>;
    byToken: Statement<[string], SessionRow>;
    byAccount: Statement<[string], SessionRow>;
    touch: Statement<[number, string]>;
    setActing: Statement<[string | null, string]>;
    deleteOne: Statement<[string, string]>;
    deleteAll: Statement<[string]>;
    deleteIdle: Statement<[number]>;
  };

  constructor(db: Database) {
    this.stmt = {
      insert: db.prepare('INSERT INTO sessions (id, token_hash, account_id, acting_persona_id, created_at, last_used_at) VALUES (?, ?, ?, ?, ?, ?)'),
      byToken: db.prepare(`SELECT ${COLUMNS} FROM sessions WHERE token_hash = ?`),
      byAccount: db.prepare(`SELECT ${COLUMNS} FROM sessions WHERE account_id = ? ORDER BY created_at, id`),
      touch: db.prepare('UPDATE sessions SET last_used_at = max(last_used_at, ?) WHERE id = ?'),
      setActing: db.prepare('UPDATE sessions SET acting_persona_id = ? WHERE id = ?'),
      deleteOne: db.prepare('DELETE FROM sessions WHERE id = ? AND account_id = ?'),
      deleteAll: db.prepare('DELETE FROM sessions WHERE account_id = ?'),
      deleteIdle: db.prepare('DELETE FROM sessions WHERE last_used_at < ?'),
    };
  }

  create(session: SessionRecord, tokenHash: string): Promise<void> {
    return settle(() => {
      this.stmt.insert.run(
        session.id, tokenHash, session.accountId, session.actingPersonaId,
        session.createdAt.getTime(), session.lastUsedAt.getTime(),
      );
    });
  }

  findByTokenHash(tokenHash: string): Promise<SessionRecord | undefined> {
    return settle(() => {
      const row = this.stmt.byToken.get(tokenHash);
      return row && toSession(row);
    });
  }

  listByAccount(accountId: string): Promise<SessionRecord[]> {
    return settle(() => this.stmt.byAccount.all(accountId).map(toSession));
  }

  touch(id: string, at: Date): Promise<void> {
    return settle(() => {
      this.stmt.touch.run(at.getTime(), id);
    });
  }

  setActingPersona(id: string, personaId: string | null): Promise<void> {
    return settle(() => {
      this.stmt.setActing.run(personaId, id);
    });
  }

  delete(id: string, accountId: string): Promise<boolean> {
    return settle(() => this.stmt.deleteOne.run(id, accountId).changes > 0);
  }

  deleteAllForAccount(accountId: string): Promise<number> {
    return settle(() => this.stmt.deleteAll.run(accountId).changes);
  }

  deleteIdleSince(cutoff: Date): Promise<number> {
    return settle(() => this.stmt.deleteIdle.run(cutoff.getTime()).changes);
  }
}
