import type { Database } from 'better-sqlite3';
import type { RoomInvitation, RoomLifecycle, RoomPatch, RoomRecord, RoomRepository, RoomVisibility } from '../rooms-port.js';
import { settle } from './settle.js';

interface RoomRow {
  id: string;
  host_persona_id: string;
  title: string;
  description: string;
  visibility: string;
  state: string;
  max_speakers: number;
  created_at: string;
  scheduled_for: string | null;
  started_at: string | null;
  ended_at: string | null;
}

const date = (text: string | null): Date | null => (text === null ? null : new Date(text));
const iso = (d: Date | null): string | null => (d === null ? null : d.toISOString());

function toRecord(r: RoomRow): RoomRecord {
  return {
    id: r.id,
    hostPersonaId: r.host_persona_id,
    title: r.title,
    description: r.description,
    visibility: r.visibility as RoomVisibility,
    state: r.state as RoomLifecycle,
    maxSpeakers: r.max_speakers,
    createdAt: new Date(r.created_at),
    scheduledFor: date(r.scheduled_for),
    startedAt: date(r.started_at),
    endedAt: date(r.ended_at),
  };
}

/** SQLite side of {@link RoomRepository} (migration 6). */
export class SqliteRoomRepository implements RoomRepository {
  constructor(private readonly db: Database) {}

  create(room: RoomRecord): Promise<boolean> {
    return settle(() => this.db
      .prepare(`INSERT OR IGNORE INTO rooms (id, host_persona_id, title, description, visibility, state, max_speakers, created_at, scheduled_for, started_at, ended_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
      .run(room.id, room.hostPersonaId, room.title, room.description, room.visibility, room.state, room.maxSpeakers,
        room.createdAt.toISOString(), iso(room.scheduledFor), iso(room.startedAt), iso(room.endedAt)).changes === 1);
  }

  get(id: string): Promise<RoomRecord | undefined> {
    return settle(() => {
      const row = this.db.prepare('SELECT * FROM rooms WHERE id = ?').get(id) as RoomRow | undefined;
      return row ? toRecord(row) : undefined;
    });
  }

  update(id: string, patch: RoomPatch): Promise<RoomRecord | undefined> {
    return settle(() => this.db.transaction(() => {
      const row = this.db.prepare('SELECT * FROM rooms WHERE id = ?').get(id) as RoomRow | undefined;
      if (!row) return undefined;
      const next = { ...toRecord(row), ...patch };
      this.db.prepare('UPDATE rooms SET state = ?, started_at = ?, ended_at = ?, title = ?, description = ? WHERE id = ?')
        .run(next.state, iso(next.startedAt), iso(next.endedAt), next.title, next.description, id);
      return next;
    })());
  }

  listOpen(): Promise<RoomRecord[]> {
    return settle(() => (this.db.prepare("SELECT * FROM rooms WHERE state <> 'ended' ORDER BY created_at, id").all() as RoomRow[]).map(toRecord));
  }

  deleteByHost(hostPersonaId: string): Promise<number> {
    return settle(() => this.db.transaction(() => {
      // room_bans has no foreign key (a ban names a subject, not a row); invitations cascade.
      this.db.prepare('DELETE FROM room_bans WHERE room_id IN (SELECT id FROM rooms WHERE host_persona_id = ?)').run(hostPersonaId);
      this.db.prepare('DELETE FROM room_invitations WHERE room_id IN (SELECT id FROM rooms WHERE host_persona_id = ?)').run(hostPersonaId);
      return this.db.prepare('DELETE FROM rooms WHERE host_persona_id = ?').run(hostPersonaId).changes;
    }).immediate());
  }

  listByHost(hostPersonaId: string): Promise<RoomRecord[]> {
    return settle(() => (this.db.prepare('SELECT * FROM rooms WHERE host_persona_id = ? ORDER BY created_at, id').all(hostPersonaId) as RoomRow[]).map(toRecord));
  }

  addBan(roomId: string, subject: string, at: Date): Promise<void> {
    return settle(() => {
      this.db.prepare('INSERT OR IGNORE INTO room_bans (room_id, subject, banned_at) VALUES (?, ?, ?)').run(roomId, subject, at.toISOString());
    });
  }

  isBanned(roomId: string, subject: string): Promise<boolean> {
    return settle(() => this.db.prepare('SELECT 1 FROM room_bans WHERE room_id = ? AND subject = ?').get(roomId, subject) !== undefined);
  }

  deleteBansOf(subject: string): Promise<number> {
    return settle(() => this.db.prepare('DELETE FROM room_bans WHERE subject = ?').run(subject).changes);
  }

  addInvitation(invitation: RoomInvitation): Promise<boolean> {
    return settle(() => this.db
      .prepare('INSERT OR IGNORE INTO room_invitations (room_id, persona_id, invited_at) VALUES (?, ?, ?)')
      .run(invitation.roomId, invitation.personaId, invitation.invitedAt.toISOString()).changes === 1);
  }

  removeInvitation(roomId: string, personaId: string): Promise<boolean> {
    return settle(() => this.db.prepare('DELETE FROM room_invitations WHERE room_id = ? AND persona_id = ?').run(roomId, personaId).changes === 1);
  }

  isInvited(roomId: string, personaId: string): Promise<boolean> {
    return settle(() => this.db.prepare('SELECT 1 FROM room_invitations WHERE room_id = ? AND persona_id = ?').get(roomId, personaId) !== undefined);
  }

  listInvitations(roomId: string): Promise<RoomInvitation[]> {
    return settle(() => (this.db
      .prepare('SELECT room_id, persona_id, invited_at FROM room_invitations WHERE room_id = ? ORDER BY invited_at, persona_id')
      .all(roomId) as { room_id: string; persona_id: string; invited_at: string }[])
      .map((r) => ({ roomId: r.room_id, personaId: r.persona_id, invitedAt: new Date(r.invited_at) })));
  }

  deleteInvitationsOf(personaId: string): Promise<number> {
    return settle(() => this.db.prepare('DELETE FROM room_invitations WHERE persona_id = ?').run(personaId).changes);
  }

  delete(id: string): Promise<boolean> {
    return settle(() => this.db.transaction(() => {
      this.db.prepare('DELETE FROM room_bans WHERE room_id = ?').run(id);
      // Invitations go with their room (ON DELETE CASCADE).
      return this.db.prepare('DELETE FROM rooms WHERE id = ?').run(id).changes === 1;
    })());
  }
}
