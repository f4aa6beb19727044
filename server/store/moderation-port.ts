/**
 * The moderation part of the storage port: the moderator role, account
 * suspensions, domain blocks, the reports queue and the audit log (see
 * server/moderation/). The administrator role stays where it always was,
 * on the account (`AccountRecord.isAdmin`); this holds who else moderates.
 *
 * Nothing here is ever linked to a persona: roles and suspensions name the
 * account, so a moderator's personas stay unlinkable to each other and to
 * the role.
 */

/** How hard a remote domain is blocked. */
export type DomainBlockLevel = 'suspend' | 'limit';

/** A blocked domain (normalised: lowercase ASCII/punycode, no trailing dot); covers its subdomains. */
export interface DomainBlockRecord {
  domain: string;
  level: DomainBlockLevel;
  /** Private note for moderators. */
  reason: string;
  /** Shown on the public list of blocks when the admin turned that on. */
  publicComment: string;
  createdAt: Date;
  updatedAt: Date;
}

/** What a report is about. */
export type ReportTargetKind = 'persona' | 'remote_actor' | 'room';

/** Where a report came from: a persona of this instance, or a remote instance's Flag. */
export type ReportSource = 'local' | 'remote';

/** What a moderator did with a report. */
export type ReportAction = 'dismiss' | 'remove_from_room' | 'suspend_account' | 'block_domain';

/** A report in the moderators' queue. */
export interface ReportRecord {
  /** Random, URL-safe. */
  id: string;
  source: ReportSource;
  /**
   * The reporting local persona's id (for `local`; never shown to the target
   * nor sent anywhere), or the remote actor that sent the Flag (`remote`).
   */
  reporter: string;
  targetKind: ReportTargetKind;
  /** A local persona id, a remote actor URL, or a room id. */
  target: string;
  /** What moderators read: `@handle`, `handle@host`, the actor URL, or the room title. */
  targetLabel: string;
  /** The room the report is about, when one was named. */
  roomId: string | null;
  comment: string;
  createdAt: Date;
  /** The inbound Flag's id (a duplicate delivery stores nothing); null for local reports. */
  activityId: string | null;
  resolution: ReportResolution | null;
}

/** How a report was closed. */
export interface ReportResolution {
  action: ReportAction;
  /** Account username of the moderator. */
  by: string;
  at: Date;
  note: string;
}

/** One entry of the audit log: who (account username), what, on what, when, why. */
export interface AuditEntry {
  /** Increasing; the page cursor. */
  seq: number;
  at: Date;
  /** The acting account's username, or the stable placeholder once that account was deleted. */
  actor: string;
  action: string;
  target: string;
  reason: string;
}

/** A new audit entry; the store assigns `seq`. `actorAccountId` is kept so a deletion can replace the username. */
export interface NewAuditEntry {
  at: Date;
  actorAccountId: string | null;
  actor: string;
  action: string;
  target: string;
  reason: string;
}

/** Moderation state. Append-only where the issue says so: no method edits or deletes an audit entry. */
export interface ModerationRepository {
  /** Account ids holding the moderator role. */
  moderators(): Promise<string[]>;
  /** Grants or takes away the moderator role; answers whether anything changed. */
  setModerator(accountId: string, moderator: boolean): Promise<boolean>;

  /** Suspends an account (idempotent; the first suspension's time and reason stay). */
  suspendAccount(accountId: string, at: Date, reason: string): Promise<void>;
  /** Lifts a suspension; answers whether there was one. */
  liftSuspension(accountId: string): Promise<boolean>;
  /** Every suspended account id. */
  suspendedAccounts(): Promise<string[]>;
  /** Forgets what is kept about a deleted account (role, suspension); audit entries stay, see {@link anonymizeAuditActor}. */
  forgetAccount(accountId: string): Promise<void>;

  /** Creates or replaces the block of `domain`. */
  putDomainBlock(block: DomainBlockRecord): Promise<void>;
  getDomainBlock(domain: string): Promise<DomainBlockRecord | undefined>;
  /** Every block, by domain. */
  listDomainBlocks(): Promise<DomainBlockRecord[]>;
  /** Answers whether there was a block. */
  deleteDomainBlock(domain: string): Promise<boolean>;

  /**
   * Stores a report; `false` (nothing stored) when a report with the same
   * id, or from the same inbound activity, exists already.
   */
  createReport(report: ReportRecord): Promise<boolean>;
  getReport(id: string): Promise<ReportRecord | undefined>;
  /**
   * Reports newest first, open ones only unless `resolved` is true (then
   * resolved ones only); before the report with id `before` when given.
   */
  listReports(query: { resolved: boolean; limit: number; before?: string }): Promise<ReportRecord[]>;
  /** Closes an open report; `false` when it does not exist or was resolved already. */
  resolveReport(id: string, resolution: ReportResolution): Promise<boolean>;

  /** Appends an audit entry; answers its sequence number. */
  appendAudit(entry: NewAuditEntry): Promise<number>;
  /** Entries newest first, with `seq` below `beforeSeq` when given. */
  listAudit(query: { limit: number; beforeSeq?: number }): Promise<AuditEntry[]>;
  /** Replaces the username of every entry by this account with `placeholder` and drops the account id. */
  anonymizeAuditActor(accountId: string, placeholder: string): Promise<number>;
}
