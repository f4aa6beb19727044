import type { Database, Statement } from 'better-sqlite3';
import { definedOnly, personaSearchText, type CreatePersonaOutcome, type PersonaPatch, type PersonaRecord, type PersonaRepository } from '../accounts-port.js';
import { settle } from './settle.js';

interface PersonaRow {
  id: string;
  account_id: string;
  handle: string;
  display_name: string;
  summary: string;
  discoverable: number;
  approve_followers: number;
  actor_id: string | null;
}

const COLUMNS = 'id, account_id, handle, display_name, summary, discoverable, approve_followers, actor_id';

function toPersona(row: PersonaRow): PersonaRecord {
  return {
    id: row.id,
    accountId: row.account_id,
    handle: row.handle,
    displayName: row.display_name,
    summary: row.summary,
    discoverable: row.discoverable === 1,
    approveFollowers: row.approve_followers === 1,
    actorId: row.actor_id,
  };
}

/** `%` and `_` are LIKE wildcards; escape them so a query matches literally. */
function likePattern(query: string): string {
  return `%${query.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** Personas and retired handles (`personas`, `handle_tombstones`). */
export class SqlitePersonaRepository implements PersonaRepository {
  private readonly stmt: {
    retired: Statement<[string], number>;
    handleUsed: Statement<[string], number>;
    countForAccount: Statement<[string], number>;
    insert: Statement<[string, string, string, string, string, number, number, string | null, string]>;
    byId: Statement<[string], PersonaRow>;
    byHandle: Statement<[string], PersonaRow>;
    byAccount: Statement<[string], PersonaRow>;
    update: Statement<[string, string, number, number, string, string]>;
    setActor: Statement<[string, string]>;
    retire: Statement<[string]>;
    deleteRow: Statement<[string]>;
    directory: Statement<[string, number], PersonaRow>;
    search: Statement<[string, number], PersonaRow>;
  };

  constructor(private readonly db: Database) {
    this.stmt = {
      retired: db.prepare<[string], number>('SELECT count(*) FROM handle_tombstones WHERE handle = ?').pluck(),
      handleUsed: db.prepare<[string], number>('SELECT count(*) FROM personas WHERE handle = ?').pluck(),
      countForAccount: db.prepare<[string], number>('SELECT count(*) FROM personas WHERE account_id = ?').pluck(),
      insert: db.prepare(`INSERT INTO personas (${COLUMNS}, search_text) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      byId: db.prepare(`SELECT ${COLUMNS} FROM personas WHERE id = ?`),
      byHandle: db.prepare(`SELECT ${COLUMNS} FROM personas WHERE handle = ?`),
      byAccount: db.prepare(`SELECT ${COLUMNS} FROM personas WHERE account_id = ? ORDER BY handle`),
      update: db.prepare('UPDATE personas SET display_name = ?, summary = ?, discoverable = ?, approve_followers = ?, search_text = ? WHERE id = ?'),
      setActor: db.prepare('UPDATE personas SET actor_id = ? WHERE id = ?'),
      retire: db.prepare('INSERT OR IGNORE INTO handle_tombstones (handle) VALUES (?)'),
      // Sessions acting as the persona go with the row (ON DELETE CASCADE).
      deleteRow: db.prepare('DELETE FROM personas WHERE id = ?'),
      directory: db.prepare(`SELECT ${COLUMNS} FROM personas WHERE discoverable = 1 AND handle > ? ORDER BY handle LIMIT ?`),
      search: db.prepare(`SELECT ${COLUMNS} FROM personas WHERE discoverable = 1 AND search_text LIKE ? ESCAPE '\\' ORDER BY handle LIMIT ?`),
    };
  }

  create(persona: PersonaRecord, limit: number): Promise<CreatePersonaOutcome> {
    return settle(() =>
      this.db.transaction((): CreatePersonaOutcome => {
        if (this.stmt.retired.get(persona.handle)) return 'handle_retired';
        if (this.stmt.handleUsed.get(persona.handle)) return 'handle_taken';
        if ((this.stmt.countForAccount.get(persona.accountId) ?? 0) >= limit) return 'limit_reached';
        this.stmt.insert.run(
          persona.id, persona.accountId, persona.handle, persona.displayName, persona.summary,
          persona.discoverable ? 1 : 0, persona.approveFollowers ? 1 : 0, persona.actorId,
          personaSearchText(persona.handle, persona.displayName),
        );
        return 'created';
      }).immediate(),
    );
  }

  findById(id: string): Promise<PersonaRecord | undefined> {
    return settle(() => {
      const row = this.stmt.byId.get(id);
      return row && toPersona(row);
    });
  }

  findByHandle(handle: string): Promise<PersonaRecord | undefined> {
    return settle(() => {
      const row = this.stmt.byHandle.get(handle);
      return row && toPersona(row);
    });
  }

  listByAccount(accountId: string): Promise<PersonaRecord[]> {
    return settle(() => this.stmt.byAccount.all(accountId).map(toPersona));
  }

  update(id: string, patch: PersonaPatch): Promise<PersonaRecord | undefined> {
    return settle(() =>
      this.db.transaction(() => {
        const row = this.stmt.byId.get(id);
        if (!row) return undefined;
        const next: PersonaRecord = { ...toPersona(row), ...definedOnly(patch) };
        this.stmt.update.run(
          next.displayName, next.summary, next.discoverable ? 1 : 0, next.approveFollowers ? 1 : 0,
          personaSearchText(next.handle, next.displayName), id,
        );
        return next;
      })(),
    );
  }

  setActorId(id: string, actorId: string): Promise<void> {
    return settle(() => {
      this.stmt.setActor.run(actorId, id);
    });
  }

  delete(id: string): Promise<PersonaRecord | undefined> {
    return settle(() =>
      this.db.transaction(() => {
        const row = this.stmt.byId.get(id);
        if (!row) return undefined;
        this.stmt.retire.run(row.handle);
        this.stmt.deleteRow.run(id);
        return toPersona(row);
      }).immediate(),
    );
  }

  discardUnpublished(id: string): Promise<void> {
    return settle(() => {
      this.stmt.deleteRow.run(id);
    });
  }

  isRetired(handle: string): Promise<boolean> {
    return settle(() => (this.stmt.retired.get(handle) ?? 0) > 0);
  }

  listDiscoverable(limit: number, afterHandle?: string): Promise<PersonaRecord[]> {
    return settle(() => this.stmt.directory.all(afterHandle ?? '', limit).map(toPersona));
  }

  searchDiscoverable(query: string, limit: number): Promise<PersonaRecord[]> {
    return settle(() => this.stmt.search.all(likePattern(query.toLowerCase()), limit).map(toPersona));
  }
}
