/**
 * The audit log: every administrator and moderator action (who by account
 * username, what, on what, when, why), append-only. Nothing in the API
 * changes or deletes an entry; a deleted account's entries stay, with its
 * username replaced by a placeholder that is stable per account (so a
 * reader can still tell that several actions were one person's).
 */
import { createHash } from 'node:crypto';
import type { AuditEntry, ModerationRepository } from '../store/index.js';

/** Who acted: an account (by id and username), or the command line. */
export interface StaffActor {
  accountId: string | null;
  username: string;
}

/** The command line acts as no account. */
export const CLI_ACTOR: StaffActor = { accountId: null, username: '(command line)' };

/** What was done. Dotted names, stable: readers may filter on them. */
export type AuditAction =
  | 'role.grant'
  | 'role.revoke'
  | 'domain_block.create'
  | 'domain_block.update'
  | 'domain_block.delete'
  | 'report.resolve'
  | 'account.suspend'
  | 'account.unsuspend'
  | 'room.end'
  | 'room.remove_participant'
  | 'room.ban_participant'
  | 'instance.update'
  | 'invite.create';

/** A page of entries, newest first; `next` is the cursor of the following page. */
export interface AuditPage {
  entries: Array<Omit<AuditEntry, 'at' | 'seq'> & { id: number; at: string }>;
  next: string | null;
}

export class AuditLog {
  constructor(private readonly repo: ModerationRepository, private readonly now: () => number = Date.now) {}

  async record(actor: StaffActor, action: AuditAction, target: string, reason = ''): Promise<void> {
    await this.repo.appendAudit({ at: new Date(this.now()), actorAccountId: actor.accountId, actor: actor.username, action, target, reason });
  }

  async page(limit: number, before?: number): Promise<AuditPage> {
    const rows = await this.repo.listAudit({ limit, ...(before !== undefined ? { beforeSeq: before } : {}) });
    const last = rows[rows.length - 1];
    return {
      entries: rows.map((e) => ({ id: e.seq, at: e.at.toISOString(), actor: e.actor, action: e.action, target: e.target, reason: e.reason })),
      next: rows.length === limit && last ? String(last.seq) : null,
    };
  }

  /** The account is deleted: its entries keep a placeholder instead of its username. */
  async accountDeleted(accountId: string): Promise<void> {
    await this.repo.anonymizeAuditActor(accountId, deletedStaffPlaceholder(accountId));
  }
}

/** `deleted-staff-<10 hex>`: the same for every entry of one deleted account, revealing nothing of it. */
export function deletedStaffPlaceholder(accountId: string): string {
  return `deleted-staff-${createHash('sha256').update(`hearth-audit:${accountId}`).digest('hex').slice(0, 10)}`;
}
