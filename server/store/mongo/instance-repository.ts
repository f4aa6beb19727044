import type { Collection, Db } from 'mongodb';
import { checkKey, encodeValue } from '../instance-values.js';
import type { InstanceRepository } from '../port.js';

/**
 * One setting per document, keyed by `_id`. The value is kept as JSON text so
 * that both adapters answer the same value (BSON would keep Dates as Dates
 * and refuse some keys that JSON allows).
 */
interface SettingDocument {
  _id: string;
  json: string;
  updatedAt: Date;
}

/** Instance settings in the `instance_settings` collection. */
export class MongoInstanceRepository implements InstanceRepository {
  private readonly settings: Collection<SettingDocument>;

  constructor(db: Db) {
    this.settings = db.collection<SettingDocument>('instance_settings');
  }

  async get<T>(key: string): Promise<T | undefined> {
    checkKey(key);
    const doc = await this.settings.findOne({ _id: key });
    return doc ? (JSON.parse(doc.json) as T) : undefined;
  }

  async put(key: string, value: unknown): Promise<void> {
    checkKey(key);
    await this.settings.replaceOne({ _id: key }, { json: encodeValue(value), updatedAt: new Date() }, { upsert: true });
  }

  async delete(key: string): Promise<boolean> {
    checkKey(key);
    const result = await this.settings.deleteOne({ _id: key });
    return result.deletedCount > 0;
  }
}
