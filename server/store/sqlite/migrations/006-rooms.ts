import type { Migration } from '../migrations.js';

/**
 * Rooms, room bans and invitations. Times are ISO-8601 text (UTC).
 * `host_persona_id` is not a foreign key: a deleted persona's rooms are
 * ended by the rooms layer, and ended rooms stay as history without a host
 * row. Likewise `room_invitations.persona_id`: the persona-deleted hook
 * drops a deleted persona's invitations; a room's go with the room.
 */
export const roomsSchema: Migration = {
  version: 6,
  name: 'rooms',
  up(db) {
    db.exec(`
      CREATE TABLE rooms (
        id TEXT PRIMARY KEY,
        host_persona_id TEXT NOT NULL,
        title TEXT NOT NULL,
        description TEXT NOT NULL,
        visibility TEXT NOT NULL CHECK (visibility IN ('public', 'unlisted', 'followers', 'invite')),
        state TEXT NOT NULL CHECK (state IN ('scheduled', 'live', 'ended')),
        max_speakers INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        scheduled_for TEXT,
        started_at TEXT,
        ended_at TEXT
      ) STRICT;
      CREATE INDEX rooms_open ON rooms (state, created_at) WHERE state <> 'ended';
      CREATE INDEX rooms_host ON rooms (host_persona_id, created_at);
      CREATE TABLE room_bans (
        room_id TEXT NOT NULL,
        subject TEXT NOT NULL,
        banned_at TEXT NOT NULL,
        PRIMARY KEY (room_id, subject)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX room_bans_subject ON room_bans (subject);
      CREATE TABLE room_invitations (
        room_id TEXT NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
        persona_id TEXT NOT NULL,
        invited_at TEXT NOT NULL,
        PRIMARY KEY (room_id, persona_id)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX room_invitations_persona ON room_invitations (persona_id);
    `);
  },
};
