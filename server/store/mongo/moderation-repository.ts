import type { Collection, Db, UpdateResult } from 'mongodb';
import type {
  AuditEntry,
  DomainBlockRecord,
  ModerationRepository,
  NewAuditEntry,
  ReportRecord,
  ReportResolution,
} from '../moderation-port.js';

interface ModeratorDocument { _id: string }
interface SuspensionDocument { _id: string; suspendedAt: Date; reason: string }
type BlockDocument = DomainBlockRecord & { _id: string };
type ReportDocument = ReportRecord & { seq: number };
type AuditDocument = Omit<NewAuditEntry, 'actorAccountId'> & { seq: number; actorAccountId: string | null };
interface CounterDocument { _id: string; value: number }

const toBlock = (d: BlockDocument): DomainBlockRecord => ({
  domain: d.domain, level: d.level, reason: d.reason, publicComment: d.publicComment, createdAt: d.createdAt, updatedAt: d.updatedAt,
});

const toReport = (d: ReportDocument): ReportRecord => ({
  id: d.id, source: d.source, reporter: d.reporter, targetKind: d.targetKind, target: d.target, targetLabel: d.targetLabel,
  roomId: d.roomId ?? null, comment: d.comment, createdAt: d.createdAt, activityId: d.activityId ?? null, resolution: d.resolution ?? null,
});

const toAudit = (d: AuditDocument): AuditEntry => ({ seq: d.seq, at: d.at, actor: d.actor, action: d.action, target: d.target, reason: d.reason });

/**
 * MongoDB side of {@link ModerationRepository}: collections `mod_moderators`,
 * `mod_suspensions`, `mod_domain_blocks`, `mod_reports`, `mod_audit_log`,
 * and `mod_counters` for the increasing sequence numbers.
 */
export class MongoModerationRepository implements ModerationRepository {
  private readonly accounts: Collection<{ _id: string }>;
  private readonly moderatorsC: Collection<ModeratorDocument>;
  private readonly suspensions: Collection<SuspensionDocument>;
  private readonly blocks: Collection<BlockDocument>;
  private readonly reports: Collection<ReportDocument>;
  private readonly audit: Collection<AuditDocument>;
  private readonly counters: Collection<CounterDocument>;

  constructor(db: Db) {
    this.accounts = db.collection('accounts');
    this.moderatorsC = db.collection('mod_moderators');
    this.suspensions = db.collection('mod_suspensions');
    this.blocks = db.collection('mod_domain_blocks');
    this.reports = db.collection('mod_reports');
    this.audit = db.collection('mod_audit_log');
    this.counters = db.collection('mod_counters');
  }

  /** Indexes, created at boot. */
  async setup(): Promise<void> {
    await this.reports.createIndex({ id: 1 }, { unique: true });
    await this.reports.createIndex({ activityId: 1 }, { unique: true, partialFilterExpression: { activityId: { $type: 'string' } } });
    await this.reports.createIndex({ seq: -1 });
    await this.audit.createIndex({ seq: -1 }, { unique: true });
    await this.audit.createIndex({ actorAccountId: 1 });
  }

  private async next(name: string): Promise<number> {
    const doc = await this.counters.findOneAndUpdate({ _id: name }, { $inc: { value: 1 } }, { upsert: true, returnDocument: 'after' });
    // Driver 4 answers a ModifyResult; newer drivers the document itself.
    const value = (doc as unknown as { value?: CounterDocument | null })?.value ?? (doc as unknown as CounterDocument | null);
    if (!value || typeof value.value !== 'number') throw new Error(`counter ${name} did not advance`);
    return value.value;
  }

  private async accountExists(accountId: string): Promise<boolean> {
    return (await this.accounts.findOne({ _id: accountId }, { projection: { _id: 1 } })) !== null;
  }

  async moderators(): Promise<string[]> {
    return (await this.moderatorsC.find({}).sort({ _id: 1 }).toArray()).map((d) => d._id);
  }

  async setModerator(accountId: string, moderator: boolean): Promise<boolean> {
    if (!moderator) return (await this.moderatorsC.deleteOne({ _id: accountId })).deletedCount === 1;
    if (!(await this.accountExists(accountId))) return false;
    const result = await this.moderatorsC.updateOne({ _id: accountId }, { $setOnInsert: { _id: accountId } }, { upsert: true });
    return result.upsertedCount === 1;
  }

  async suspendAccount(accountId: string, at: Date, reason: string): Promise<void> {
    if (!(await this.accountExists(accountId))) return;
    await this.suspensions.updateOne({ _id: accountId }, { $setOnInsert: { _id: accountId, suspendedAt: at, reason } }, { upsert: true });
  }

  async liftSuspension(accountId: string): Promise<boolean> {
    return (await this.suspensions.deleteOne({ _id: accountId })).deletedCount === 1;
  }

  async suspendedAccounts(): Promise<string[]> {
    return (await this.suspensions.find({}).sort({ _id: 1 }).toArray()).map((d) => d._id);
  }

  async forgetAccount(accountId: string): Promise<void> {
    await this.moderatorsC.deleteOne({ _id: accountId });
    await this.suspensions.deleteOne({ _id: accountId });
  }

  async putDomainBlock(block: DomainBlockRecord): Promise<void> {
    await this.blocks.replaceOne({ _id: block.domain }, { ...block }, { upsert: true });
  }

  async getDomainBlock(domain: string): Promise<DomainBlockRecord | undefined> {
    const doc = await this.blocks.findOne({ _id: domain });
    return doc ? toBlock(doc) : undefined;
  }

  async listDomainBlocks(): Promise<DomainBlockRecord[]> {
    return (await this.blocks.find({}).sort({ _id: 1 }).toArray()).map(toBlock);
  }

  async deleteDomainBlock(domain: string): Promise<boolean> {
    return (await this.blocks.deleteOne({ _id: domain })).deletedCount === 1;
  }

  async createReport(report: ReportRecord): Promise<boolean> {
    if (await this.reports.findOne({ id: report.id }, { projection: { _id: 1 } })) return false;
    if (report.activityId !== null && (await this.reports.findOne({ activityId: report.activityId }, { projection: { _id: 1 } }))) return false;
    try {
      await this.reports.insertOne({ ...report, seq: await this.next('reports') });
      return true;
    } catch (e) {
      if ((e as { code?: number }).code === 11000) return false;
      throw e;
    }
  }

  async getReport(id: string): Promise<ReportRecord | undefined> {
    const doc = await this.reports.findOne({ id });
    return doc ? toReport(doc) : undefined;
  }

  async listReports(query: { resolved: boolean; limit: number; before?: string }): Promise<ReportRecord[]> {
    let beforeSeq = Number.MAX_SAFE_INTEGER;
    if (query.before !== undefined) {
      const cursor = await this.reports.findOne({ id: query.before }, { projection: { seq: 1 } });
      if (!cursor) return [];
      beforeSeq = cursor.seq;
    }
    const state = query.resolved ? { resolution: { $type: 'object' } } : { resolution: null };
    const docs = await this.reports.find({ ...state, seq: { $lt: beforeSeq } } as never).sort({ seq: -1 }).limit(query.limit).toArray();
    return docs.map(toReport);
  }

  async resolveReport(id: string, resolution: ReportResolution): Promise<boolean> {
    const result = await this.reports.updateOne({ id, resolution: null }, { $set: { resolution } });
    return result.modifiedCount === 1;
  }

  async appendAudit(entry: NewAuditEntry): Promise<number> {
    const seq = await this.next('audit');
    await this.audit.insertOne({ ...entry, seq });
    return seq;
  }

  async listAudit(query: { limit: number; beforeSeq?: number }): Promise<AuditEntry[]> {
    const docs = await this.audit.find({ seq: { $lt: query.beforeSeq ?? Number.MAX_SAFE_INTEGER } }).sort({ seq: -1 }).limit(query.limit).toArray();
    return docs.map(toAudit);
  }

  async anonymizeAuditActor(accountId: string, placeholder: string): Promise<number> {
    // The driver 4 typings widen updateMany's answer to any Document; it is an UpdateResult.
    const result = (await this.audit.updateMany({ actorAccountId: accountId }, { $set: { actor: placeholder, actorAccountId: null } })) as UpdateResult;
    return result.modifiedCount;
  }
}
