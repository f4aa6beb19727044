import type { Migration } from '../migrations.js';

/** Durable per-instance settings (InstanceRepository): one JSON value per key. */
export const instanceSettings: Migration = {
  version: 2,
  name: 'instance-settings',
  up(db) {
    db.exec(`
      CREATE TABLE instance_settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL,
        updated_at TEXT NOT NULL
      ) STRICT;
    `);
  },
};
