import type { Database, Statement } from 'better-sqlite3';
import { checkKey, encodeValue } from '../instance-values.js';
import type { InstanceRepository } from '../port.js';
import { settle } from './settle.js';

/** Instance settings in the `instance_settings` table (migration 2). */
export class SqliteInstanceRepository implements InstanceRepository {
  private readonly select: Statement<[string], string>;
  private readonly upsert: Statement<[string, string, string]>;
  private readonly remove: Statement<[string]>;

  constructor(db: Database) {
    this.select = db.prepare<[string], string>('SELECT value FROM instance_settings WHERE key = ?').pluck();
    this.upsert = db.prepare(`
      INSERT INTO instance_settings (key, value, updated_at) VALUES (?, ?, ?)
      ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`);
    this.remove = db.prepare('DELETE FROM instance_settings WHERE key = ?');
  }

  get<T>(key: string): Promise<T | undefined> {
    return settle(() => {
      checkKey(key);
      const text = this.select.get(key);
      return text === undefined ? undefined : (JSON.parse(text) as T);
    });
  }

  put(key: string, value: unknown): Promise<void> {
    return settle(() => {
      checkKey(key);
      this.upsert.run(key, encodeValue(value), new Date().toISOString());
    });
  }

  delete(key: string): Promise<boolean> {
    return settle(() => {
      checkKey(key);
      return this.remove.run(key).changes > 0;
    });
  }
}
