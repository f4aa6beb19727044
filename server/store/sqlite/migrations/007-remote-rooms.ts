import type { Migration } from '../migrations.js';

/**
 * Rooms announced by other instances (their `Event`s). Times are ISO-8601
 * text (UTC); `speakers` is a JSON array of actor ids. `sort_at` (start
 * time, else receipt time) orders the hallway, newest first.
 */
export const remoteRoomsSchema: Migration = {
  version: 7,
  name: 'remote-rooms',
  up(db) {
    db.exec(`
      CREATE TABLE remote_rooms (
        id TEXT PRIMARY KEY,
        host_actor_id TEXT NOT NULL,
        origin TEXT NOT NULL,
        title TEXT NOT NULL,
        summary TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('scheduled', 'live', 'ended')),
        audience TEXT NOT NULL CHECK (audience IN ('public', 'unlisted', 'followers')),
        speakers TEXT NOT NULL,
        listener_count INTEGER NOT NULL,
        start_time TEXT,
        end_time TEXT,
        url TEXT,
        join_endpoint TEXT,
        updated_at TEXT NOT NULL,
        received_at TEXT NOT NULL,
        sort_at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX remote_rooms_open ON remote_rooms (sort_at DESC, id) WHERE status <> 'ended';
      CREATE INDEX remote_rooms_host ON remote_rooms (host_actor_id);
    `);
  },
};
