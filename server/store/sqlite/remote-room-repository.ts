import type { Database } from 'better-sqlite3';
import { urlOnDomain } from '../../core/domains.js';
import type { RemoteRoomAudience, RemoteRoomRecord, RemoteRoomRepository, RemoteRoomStatus } from '../remote-rooms-port.js';
import { settle } from './settle.js';
import { StatementCache } from './statements.js';

interface RemoteRoomRow {
  id: string;
  host_actor_id: string;
  origin: string;
  title: string;
  summary: string;
  status: string;
  audience: string;
  speakers: string;
  listener_count: number;
  start_time: string | null;
  end_time: string | null;
  url: string | null;
  join_endpoint: string | null;
  updated_at: string;
  received_at: string;
}

const date = (text: string | null): Date | null => (text === null ? null : new Date(text));

function toRecord(r: RemoteRoomRow): RemoteRoomRecord {
  return {
    id: r.id, hostActorId: r.host_actor_id, origin: r.origin, title: r.title, summary: r.summary,
    status: r.status as RemoteRoomStatus, audience: r.audience as RemoteRoomAudience,
    speakers: JSON.parse(r.speakers) as string[], listenerCount: r.listener_count,
    startTime: date(r.start_time), endTime: date(r.end_time), url: r.url, joinEndpoint: r.join_endpoint,
    updatedAt: new Date(r.updated_at), receivedAt: new Date(r.received_at),
  };
}

/** `%`, `_` and the escape character itself are literal in a LIKE pattern built from a URL. */
const likeLiteral = (s: string): string => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/** SQLite side of {@link RemoteRoomRepository} (migration 7). */
export class SqliteRemoteRoomRepository implements RemoteRoomRepository {
  /** Statements prepared once each (see StatementCache). */
  private readonly sql: StatementCache;

  constructor(private readonly db: Database) {
    this.sql = new StatementCache(db);
  }

  put(room: RemoteRoomRecord): Promise<boolean> {
    return settle(() => this.db.transaction(() => {
      const stored = this.sql.get('SELECT updated_at FROM remote_rooms WHERE id = ?').pluck().get(room.id) as string | undefined;
      if (stored !== undefined && new Date(stored).getTime() > room.updatedAt.getTime()) return false;
      this.sql.get(`INSERT OR REPLACE INTO remote_rooms (id, host_actor_id, origin, title, summary, status, audience, speakers,
          listener_count, start_time, end_time, url, join_endpoint, updated_at, received_at, sort_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
        .run(room.id, room.hostActorId, room.origin, room.title, room.summary, room.status, room.audience, JSON.stringify(room.speakers),
          room.listenerCount, room.startTime?.toISOString() ?? null, room.endTime?.toISOString() ?? null, room.url, room.joinEndpoint,
          room.updatedAt.toISOString(), room.receivedAt.toISOString(), (room.startTime ?? room.receivedAt).toISOString());
      return true;
    })());
  }

  get(id: string): Promise<RemoteRoomRecord | undefined> {
    return settle(() => {
      const row = this.sql.get('SELECT * FROM remote_rooms WHERE id = ?').get(id) as RemoteRoomRow | undefined;
      return row ? toRecord(row) : undefined;
    });
  }

  delete(id: string): Promise<boolean> {
    return settle(() => this.sql.get('DELETE FROM remote_rooms WHERE id = ?').run(id).changes === 1);
  }

  deleteByHost(hostActorId: string): Promise<number> {
    return settle(() => this.sql.get('DELETE FROM remote_rooms WHERE host_actor_id = ?').run(hostActorId).changes);
  }

  deleteOnDomain(domain: string): Promise<number> {
    return settle(() => this.db.transaction(() => {
      // A coarse LIKE pre-filter (the domain appears in the origin), then the exact host check.
      const rows = this.db.prepare("SELECT id, origin FROM remote_rooms WHERE origin LIKE ? ESCAPE '\\'")
        .all(`%${likeLiteral(domain)}%`) as Array<{ id: string; origin: string }>;
      const remove = this.db.prepare('DELETE FROM remote_rooms WHERE id = ?');
      let removed = 0;
      for (const row of rows) if (urlOnDomain(row.origin, domain)) removed += remove.run(row.id).changes;
      return removed;
    })());
  }

  listOpen(hosts?: readonly string[]): Promise<RemoteRoomRecord[]> {
    return settle(() => {
      if (hosts !== undefined && hosts.length === 0) return [];
      const rows = hosts === undefined
        ? this.sql.get("SELECT * FROM remote_rooms WHERE status <> 'ended' ORDER BY sort_at DESC, id").all()
        : this.sql.get(`SELECT * FROM remote_rooms WHERE status <> 'ended' AND host_actor_id IN (SELECT value FROM json_each(?))
            ORDER BY sort_at DESC, id`).all(JSON.stringify(hosts));
      return (rows as RemoteRoomRow[]).map(toRecord);
    });
  }

  followedLocally(hostActorId: string, publicUrl: string): Promise<boolean> {
    return settle(() => this.sql.get(`SELECT 1 FROM apex_stream_refs o JOIN apex_stream_refs c ON c.stream_id = o.stream_id
        WHERE o.kind = 'object' AND o.value = ? AND c.kind = 'collection' AND c.value LIKE ? ESCAPE '\\' LIMIT 1`)
      .get(hostActorId, `${likeLiteral(publicUrl)}/u/%/following`) !== undefined);
  }
}
