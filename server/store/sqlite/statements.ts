import type { Database, Statement } from 'better-sqlite3';

/**
 * Prepares each SQL text once per connection and keeps the statement:
 * preparing costs a parse and a plan on every call, which on the inbox's
 * path was a large share of the store's time. A statement's modes
 * (`pluck`, `raw`) stick to it, so one SQL text must always be used with the
 * same modes.
 */
export class StatementCache {
  private readonly statements = new Map<string, Statement>();

  constructor(private readonly db: Database) {}

  /** The prepared statement of `sql`, prepared on first use. */
  get(sql: string): Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  /** How many distinct statements were prepared. */
  get size(): number {
    return this.statements.size;
  }
}
