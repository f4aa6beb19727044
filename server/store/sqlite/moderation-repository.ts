import type { Database } from 'better-sqlite3';
import type {
  AuditEntry,
  DomainBlockLevel,
  DomainBlockRecord,
  ModerationRepository,
  NewAuditEntry,
  ReportRecord,
  ReportResolution,
  ReportSource,
  ReportTargetKind,
} from '../moderation-port.js';
import { settle } from './settle.js';

interface BlockRow {
  domain: string;
  level: string;
  reason: string;
  public_comment: string;
  created_at: string;
  updated_at: string;
}

interface ReportRow {
  seq: number;
  id: string;
  source: string;
  reporter: string;
  target_kind: string;
  target: string;
  target_label: string;
  room_id: string | null;
  comment: string;
  created_at: string;
  activity_id: string | null;
  resolution: string | null;
}

interface AuditRow {
  seq: number;
  at: string;
  actor: string;
  action: string;
  target: string;
  reason: string;
}

const toBlock = (r: BlockRow): DomainBlockRecord => ({
  domain: r.domain,
  level: r.level as DomainBlockLevel,
  reason: r.reason,
  publicComment: r.public_comment,
  createdAt: new Date(r.created_at),
  updatedAt: new Date(r.updated_at),
});

function toResolution(text: string | null): ReportResolution | null {
  if (text === null) return null;
  const r = JSON.parse(text) as Omit<ReportResolution, 'at'> & { at: string };
  return { ...r, at: new Date(r.at) };
}

const toReport = (r: ReportRow): ReportRecord => ({
  id: r.id,
  source: r.source as ReportSource,
  reporter: r.reporter,
  targetKind: r.target_kind as ReportTargetKind,
  target: r.target,
  targetLabel: r.target_label,
  roomId: r.room_id,
  comment: r.comment,
  createdAt: new Date(r.created_at),
  activityId: r.activity_id,
  resolution: toResolution(r.resolution),
});

const toAudit = (r: AuditRow): AuditEntry => ({ seq: r.seq, at: new Date(r.at), actor: r.actor, action: r.action, target: r.target, reason: r.reason });

/** SQLite side of {@link ModerationRepository} (migration 8). */
export class SqliteModerationRepository implements ModerationRepository {
  constructor(private readonly db: Database) {}

  moderators(): Promise<string[]> {
    return settle(() => this.db.prepare('SELECT account_id FROM mod_moderators ORDER BY account_id').pluck().all() as string[]);
  }

  setModerator(accountId: string, moderator: boolean): Promise<boolean> {
    return settle(() => {
      if (!moderator) return this.db.prepare('DELETE FROM mod_moderators WHERE account_id = ?').run(accountId).changes === 1;
      // A role for an account that does not exist is refused by the foreign key; answer false instead.
      const exists = this.db.prepare('SELECT 1 FROM accounts WHERE id = ?').get(accountId) !== undefined;
      return exists && this.db.prepare('INSERT OR IGNORE INTO mod_moderators (account_id) VALUES (?)').run(accountId).changes === 1;
    });
  }

  suspendAccount(accountId: string, at: Date, reason: string): Promise<void> {
    return settle(() => {
      if (this.db.prepare('SELECT 1 FROM accounts WHERE id = ?').get(accountId) === undefined) return;
      this.db.prepare('INSERT OR IGNORE INTO mod_suspensions (account_id, suspended_at, reason) VALUES (?, ?, ?)').run(accountId, at.toISOString(), reason);
    });
  }

  liftSuspension(accountId: string): Promise<boolean> {
    return settle(() => this.db.prepare('DELETE FROM mod_suspensions WHERE account_id = ?').run(accountId).changes === 1);
  }

  suspendedAccounts(): Promise<string[]> {
    return settle(() => this.db.prepare('SELECT account_id FROM mod_suspensions ORDER BY account_id').pluck().all() as string[]);
  }

  forgetAccount(accountId: string): Promise<void> {
    return settle(() => {
      this.db.transaction(() => {
        this.db.prepare('DELETE FROM mod_moderators WHERE account_id = ?').run(accountId);
        this.db.prepare('DELETE FROM mod_suspensions WHERE account_id = ?').run(accountId);
      })();
    });
  }

  putDomainBlock(b: DomainBlockRecord): Promise<void> {
    return settle(() => {
      this.db
        .prepare(`INSERT INTO mod_domain_blocks (domain, level, reason, public_comment, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)
          ON CONFLICT (domain) DO UPDATE SET level = excluded.level, reason = excluded.reason,
            public_comment = excluded.public_comment, created_at = excluded.created_at, updated_at = excluded.updated_at`)
        .run(b.domain, b.level, b.reason, b.publicComment, b.createdAt.toISOString(), b.updatedAt.toISOString());
    });
  }

  getDomainBlock(domain: string): Promise<DomainBlockRecord | undefined> {
    return settle(() => {
      const row = this.db.prepare('SELECT * FROM mod_domain_blocks WHERE domain = ?').get(domain) as BlockRow | undefined;
      return row && toBlock(row);
    });
  }

  listDomainBlocks(): Promise<DomainBlockRecord[]> {
    return settle(() => (this.db.prepare('SELECT * FROM mod_domain_blocks ORDER BY domain').all() as BlockRow[]).map(toBlock));
  }

  deleteDomainBlock(domain: string): Promise<boolean> {
    return settle(() => this.db.prepare('DELETE FROM mod_domain_blocks WHERE domain = ?').run(domain).changes === 1);
  }

  createReport(r: ReportRecord): Promise<boolean> {
    return settle(() => this.db
      .prepare(`INSERT OR IGNORE INTO mod_reports (id, source, reporter, target_kind, target, target_label, room_id, comment, created_at, activity_id, resolution)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
      .run(r.id, r.source, r.reporter, r.targetKind, r.target, r.targetLabel, r.roomId, r.comment, r.createdAt.toISOString(), r.activityId,
        r.resolution ? JSON.stringify(r.resolution) : null).changes === 1);
  }

  getReport(id: string): Promise<ReportRecord | undefined> {
    return settle(() => {
      const row = this.db.prepare('SELECT * FROM mod_reports WHERE id = ?').get(id) as ReportRow | undefined;
      return row && toReport(row);
    });
  }

  listReports(query: { resolved: boolean; limit: number; before?: string }): Promise<ReportRecord[]> {
    return settle(() => {
      const state = query.resolved ? 'resolution IS NOT NULL' : 'resolution IS NULL';
      const before = query.before === undefined ? undefined : (this.db.prepare('SELECT seq FROM mod_reports WHERE id = ?').pluck().get(query.before) as number | undefined);
      if (query.before !== undefined && before === undefined) return [];
      const rows = this.db
        .prepare(`SELECT * FROM mod_reports WHERE ${state} AND seq < ? ORDER BY seq DESC LIMIT ?`)
        .all(before ?? Number.MAX_SAFE_INTEGER, query.limit) as ReportRow[];
      return rows.map(toReport);
    });
  }

  resolveReport(id: string, resolution: ReportResolution): Promise<boolean> {
    return settle(() => this.db
      .prepare('UPDATE mod_reports SET resolution = ? WHERE id = ? AND resolution IS NULL')
      .run(JSON.stringify(resolution), id).changes === 1);
  }

  appendAudit(e: NewAuditEntry): Promise<number> {
    return settle(() => Number(this.db
      .prepare('INSERT INTO mod_audit_log (at, actor_account_id, actor, action, target, reason) VALUES (?, ?, ?, ?, ?, ?)')
      .run(e.at.toISOString(), e.actorAccountId, e.actor, e.action, e.target, e.reason).lastInsertRowid));
  }

  listAudit(query: { limit: number; beforeSeq?: number }): Promise<AuditEntry[]> {
    return settle(() => (this.db
      .prepare('SELECT seq, at, actor, action, target, reason FROM mod_audit_log WHERE seq < ? ORDER BY seq DESC LIMIT ?')
      .all(query.beforeSeq ?? Number.MAX_SAFE_INTEGER, query.limit) as AuditRow[]).map(toAudit));
  }

  anonymizeAuditActor(accountId: string, placeholder: string): Promise<number> {
    return settle(() => this.db
      .prepare('UPDATE mod_audit_log SET actor = ?, actor_account_id = NULL WHERE actor_account_id = ?')
      .run(placeholder, accountId).changes);
  }
}
