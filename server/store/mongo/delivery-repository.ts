import { MongoBulkWriteError, ObjectId, type Collection, type Db, type Filter, type UpdateResult, type WriteError } from 'mongodb';
import type {
  ClaimedDeliveryJob,
  DeliveryBatch,
  DeliveryBatchJob,
  DeliveryHostHealth,
  DeliveryJob,
  DeliveryJobState,
  DeliveryOutcome,
  DeliveryRepository,
  DeliverySettlement,
  HostsClaim,
  NewDeliveryJob,
} from '../delivery-port.js';

interface JobDocument {
  _id: ObjectId;
  activityId: string;
  inbox: string;
  host: string;
  body: string;
  keyId: string;
  privateKeyPem: string | null;
  state: DeliveryJobState;
  attempts: number;
  /** Due time when pending, lease expiry when in flight (as on SQLite). */
  nextAttemptAt: Date;
  claim: string | null;
  lastAttemptAt: Date | null;
  lastStatus: number | null;
  lastError: string | null;
  batchId: string | null;
  createdAt: Date;
  updatedAt: Date;
}

interface HostDocument {
  _id: string;
  failureDays: string[];
  lastFailureAt: Date | null;
  lastSuccessAt: Date | null;
  lastProbeAt: Date | null;
  unavailable: boolean;
}

interface BatchDocument {
  _id: string;
  createdAt: Date;
  actorId: string | null;
}

/** A healthy host's last success is rewritten at most this often (as on SQLite). */
const SUCCESS_REFRESH_MS = 60 * 60 * 1000;
const OPEN: DeliveryJobState[] = ['pending', 'in-flight'];
const DUPLICATE_KEY = 11000;

/**
 * The delivery queue on MongoDB: `delivery_jobs`, `delivery_hosts`,
 * `delivery_batches`. Each job is written atomically; claims take one job
 * per `findOneAndUpdate`, so concurrent runners never share a lease.
 */
export class MongoDeliveryRepository implements DeliveryRepository {
  private readonly jobs: Collection<JobDocument>;
  private readonly hosts: Collection<HostDocument>;
  private readonly batches: Collection<BatchDocument>;

  constructor(db: Db) {
    this.jobs = db.collection<JobDocument>('delivery_jobs');
    this.hosts = db.collection<HostDocument>('delivery_hosts');
    this.batches = db.collection<BatchDocument>('delivery_batches');
  }

  /** Indexes, created at boot: the idempotency key and what the runner queries by. */
  async setup(): Promise<void> {
    await this.jobs.createIndex({ activityId: 1, inbox: 1 }, { unique: true });
    await this.jobs.createIndex({ state: 1, host: 1, nextAttemptAt: 1 });
    await this.jobs.createIndex({ state: 1, createdAt: 1 });
    await this.jobs.createIndex({ state: 1, updatedAt: 1 });
    await this.jobs.createIndex({ keyId: 1, state: 1 });
    await this.jobs.createIndex({ batchId: 1, host: 1 });
    await this.hosts.createIndex({ unavailable: 1 });
    await this.batches.createIndex({ createdAt: 1 });
  }

  async createBatch(batch: DeliveryBatch): Promise<boolean> {
    const result = await this.batches.updateOne(
      { _id: batch.id },
      { $setOnInsert: { createdAt: batch.createdAt, actorId: batch.actorId } },
      { upsert: true },
    );
    return result.upsertedCount === 1;
  }

  async getBatch(id: string): Promise<DeliveryBatch | undefined> {
    const doc = await this.batches.findOne({ _id: id });
    return doc ? { id: doc._id, createdAt: doc.createdAt, actorId: doc.actorId } : undefined;
  }

  async batchJobs(batchId: string): Promise<DeliveryBatchJob[]> {
    const docs = await this.jobs.find({ batchId }).sort({ host: 1, _id: 1 }).toArray();
    return docs.map((d) => ({ host: d.host, state: d.state, lastStatus: d.lastStatus, attempts: d.attempts, lastAttemptAt: d.lastAttemptAt }));
  }

  /** Not one transaction (a replica set is not required): a rejected call may have stored some jobs; calling again is safe. */
  async enqueue(jobs: readonly NewDeliveryJob[], now: Date, dueAt: Date = now): Promise<{ inserted: number; duplicates: number }> {
    if (jobs.length === 0) return { inserted: 0, duplicates: 0 };
    const operations = jobs.map((job) => ({
      updateOne: {
        filter: { activityId: job.activityId, inbox: job.inbox },
        update: {
          $setOnInsert: {
            ...job,
            state: 'pending' as const,
            attempts: 0,
            nextAttemptAt: dueAt,
            claim: null,
            lastAttemptAt: null,
            lastStatus: null,
            lastError: null,
            createdAt: now,
            updatedAt: now,
          },
        },
        upsert: true,
      },
    }));
    let inserted: number;
    try {
      inserted = (await this.jobs.bulkWrite(operations, { ordered: false })).upsertedCount;
    } catch (error) {
      // Two runners upserting the same key at once: one of them gets a duplicate key error, which is the no-op we want.
      if (!(error instanceof MongoBulkWriteError)) throw error;
      const writeErrors = ([] as WriteError[]).concat(error.writeErrors);
      if (!writeErrors.every((e) => e.code === DUPLICATE_KEY)) throw error;
      inserted = error.result.upsertedCount;
    }
    return { inserted, duplicates: jobs.length - inserted };
  }

  async findJob(activityId: string, inbox: string): Promise<DeliveryJob | undefined> {
    const doc = await this.jobs.findOne({ activityId, inbox });
    return doc ? toJob(doc) : undefined;
  }

  async dueHosts(query: { now: Date; exclude: readonly string[]; limit: number }): Promise<string[]> {
    const down = await this.hosts.find({ unavailable: true }, { projection: { _id: 1 } }).toArray();
    const groups = await this.jobs
      .aggregate<{ _id: string }>([
        { $match: { state: { $in: OPEN }, nextAttemptAt: { $lte: query.now }, host: { $nin: [...query.exclude, ...down.map((d) => d._id)] } } },
        { $group: { _id: '$host', due: { $min: '$nextAttemptAt' } } },
        { $sort: { due: 1, _id: 1 } },
        { $limit: Math.max(1, query.limit) },
      ])
      .toArray();
    return query.limit <= 0 ? [] : groups.map((g) => g._id);
  }

  async claim(query: { host: string; now: Date; limit: number; leaseUntil: Date; claim: string }): Promise<ClaimedDeliveryJob[]> {
    const claimed: ClaimedDeliveryJob[] = [];
    for (let i = 0; i < query.limit; i++) {
      const result = await this.jobs.findOneAndUpdate(
        { host: query.host, state: { $in: OPEN }, nextAttemptAt: { $lte: query.now } },
        {
          $set: { state: 'in-flight', claim: query.claim, nextAttemptAt: query.leaseUntil, lastAttemptAt: query.now, updatedAt: query.now },
          $inc: { attempts: 1 },
        },
        { sort: { nextAttemptAt: 1, _id: 1 }, returnDocument: 'after' },
      );
      if (!result.value) break;
      claimed.push(toJob(result.value) as ClaimedDeliveryJob);
    }
    return claimed;
  }

  async claimHosts(query: HostsClaim): Promise<ClaimedDeliveryJob[]> {
    const claimed: ClaimedDeliveryJob[] = [];
    for (const { host, limit } of query.hosts) claimed.push(...(await this.claim({ ...query, host, limit })));
    return claimed;
  }

  async settleMany(settlements: readonly DeliverySettlement[]): Promise<boolean[]> {
    return Promise.all(settlements.map((s) => this.settle(s.id, s.claim, s.outcome)));
  }

  async settleAndClaim(
    settlements: readonly DeliverySettlement[],
    query: HostsClaim,
  ): Promise<{ settled: boolean[]; claimed: ClaimedDeliveryJob[] }> {
    const settled = await this.settleMany(settlements);
    return { settled, claimed: await this.claimHosts(query) };
  }

  async settle(id: string, claim: string, outcome: DeliveryOutcome): Promise<boolean> {
    if (!ObjectId.isValid(id)) return false;
    const common = { claim: null, lastStatus: outcome.status, lastError: outcome.error, updatedAt: outcome.at };
    const set = outcome.state === 'pending'
      ? { ...common, state: 'pending' as const, nextAttemptAt: outcome.nextAttemptAt }
      : { ...common, state: outcome.state, privateKeyPem: null };
    const result = await this.jobs.updateOne({ _id: new ObjectId(id), claim, state: 'in-flight' }, { $set: set });
    return result.modifiedCount > 0;
  }

  async expire(query: { createdBefore: Date; now: Date; error: string }): Promise<number> {
    return this.failOpen({ createdAt: { $lt: query.createdBefore } }, query.now, query.error);
  }

  async cancelForKey(keyId: string, now: Date, error: string): Promise<number> {
    return this.failOpen({ keyId }, now, error);
  }

  async openHosts(): Promise<string[]> {
    const hosts: unknown[] = await this.jobs.distinct('host', { state: { $in: ['pending', 'in-flight'] } });
    return hosts.map(String).sort();
  }

  async cancelForHost(host: string, now: Date, error: string): Promise<number> {
    return this.failOpen({ host }, now, error);
  }

  async deleteForKey(keyId: string): Promise<number> {
    return (await this.jobs.deleteMany({ keyId })).deletedCount;
  }

  async purge(query: { endedBefore: Date; batchesCreatedBefore: Date }): Promise<number> {
    const old = await this.batches.find({ createdAt: { $lt: query.batchesCreatedBefore } }, { projection: { _id: 1 } }).toArray();
    const ids = old.map((b) => b._id);
    const batchJobs = ids.length > 0 ? (await this.jobs.deleteMany({ batchId: { $in: ids } })).deletedCount : 0;
    if (ids.length > 0) await this.batches.deleteMany({ _id: { $in: ids } });
    const ended = await this.jobs.deleteMany({ state: { $in: ['delivered', 'failed'] }, batchId: null, updatedAt: { $lt: query.endedBefore } });
    return batchJobs + ended.deletedCount;
  }

  async counts(): Promise<Record<DeliveryJobState, number>> {
    const counts: Record<DeliveryJobState, number> = { pending: 0, 'in-flight': 0, delivered: 0, failed: 0 };
    const groups = await this.jobs.aggregate<{ _id: DeliveryJobState; n: number }>([{ $group: { _id: '$state', n: { $sum: 1 } } }]).toArray();
    for (const g of groups) counts[g._id] = g.n;
    return counts;
  }

  async hostHealth(host: string): Promise<DeliveryHostHealth | undefined> {
    const doc = await this.hosts.findOne({ _id: host });
    return doc ? toHealth(doc) : undefined;
  }

  async unavailableHosts(): Promise<DeliveryHostHealth[]> {
    return (await this.hosts.find({ unavailable: true }).sort({ _id: 1 }).toArray()).map(toHealth);
  }

  async recordHostFailure(host: string, at: Date, unavailableAfterDays: number): Promise<DeliveryHostHealth> {
    const result = await this.hosts.findOneAndUpdate(
      { _id: host },
      {
        $addToSet: { failureDays: utcDay(at) },
        $set: { lastFailureAt: at },
        $setOnInsert: { lastSuccessAt: null, lastProbeAt: null, unavailable: false },
      },
      { upsert: true, returnDocument: 'after' },
    );
    const doc = result.value;
    if (!doc) throw new Error(`delivery host ${host} vanished while recording a failure`);
    if (doc.unavailable || doc.failureDays.length < unavailableAfterDays) return toHealth(doc);
    // Conditional on the days still being there: a concurrent success may have cleared them.
    const marked = await this.hosts.findOneAndUpdate(
      { _id: host, [`failureDays.${unavailableAfterDays - 1}`]: { $exists: true } },
      { $set: { unavailable: true } },
      { returnDocument: 'after' },
    );
    return toHealth(marked.value ?? doc);
  }

  async recordHostSuccess(host: string, at: Date): Promise<{ wasUnavailable: boolean }> {
    const current = await this.hosts.findOne({ _id: host });
    const fresh = current?.lastSuccessAt != null && at.getTime() - current.lastSuccessAt.getTime() < SUCCESS_REFRESH_MS;
    if (current && fresh && current.failureDays.length === 0 && !current.unavailable) return { wasUnavailable: false };
    const before = await this.hosts.findOneAndUpdate(
      { _id: host },
      { $set: { failureDays: [], unavailable: false, lastSuccessAt: at }, $setOnInsert: { lastFailureAt: null, lastProbeAt: null } },
      { upsert: true, returnDocument: 'before' },
    );
    const wasUnavailable = before.value?.unavailable === true;
    if (wasUnavailable) {
      await this.jobs.updateMany({ host, state: 'pending', nextAttemptAt: { $gt: at } }, { $set: { nextAttemptAt: at, updatedAt: at } });
    }
    return { wasUnavailable };
  }

  async recordHostSuccesses(hosts: readonly string[], at: Date): Promise<string[]> {
    const unique = [...new Set(hosts)];
    const was = await Promise.all(unique.map((host) => this.recordHostSuccess(host, at)));
    return unique.filter((_, i) => was[i]?.wasUnavailable === true);
  }

  async markHostProbed(host: string, at: Date): Promise<void> {
    await this.hosts.updateOne({ _id: host }, { $set: { lastProbeAt: at } });
  }

  /** Fails open jobs matching `filter` that nobody holds a live lease on. */
  private async failOpen(filter: Filter<JobDocument>, now: Date, error: string): Promise<number> {
    // The driver 4 typings widen updateMany's answer to any Document; it is an UpdateResult.
    const result = (await this.jobs.updateMany(
      { ...filter, $or: [{ state: 'pending' }, { state: 'in-flight', nextAttemptAt: { $lte: now } }] },
      { $set: { state: 'failed', privateKeyPem: null, claim: null, lastError: error, updatedAt: now } },
    )) as UpdateResult;
    return result.modifiedCount;
  }
}

function utcDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}

function toJob(d: JobDocument): DeliveryJob {
  const job: DeliveryJob & { claim?: string } = {
    id: d._id.toHexString(),
    activityId: d.activityId,
    inbox: d.inbox,
    host: d.host,
    body: d.body,
    keyId: d.keyId,
    privateKeyPem: d.privateKeyPem,
    batchId: d.batchId,
    state: d.state,
    attempts: d.attempts,
    nextAttemptAt: d.nextAttemptAt,
    lastAttemptAt: d.lastAttemptAt,
    lastStatus: d.lastStatus,
    lastError: d.lastError,
    createdAt: d.createdAt,
    updatedAt: d.updatedAt,
  };
  if (d.claim !== null) job.claim = d.claim;
  return job;
}

function toHealth(d: HostDocument): DeliveryHostHealth {
  return {
    host: d._id,
    // $addToSet keeps insertion order, not date order.
    failureDays: [...d.failureDays].sort(),
    lastFailureAt: d.lastFailureAt,
    lastSuccessAt: d.lastSuccessAt,
    lastProbeAt: d.lastProbeAt,
    unavailable: d.unavailable,
  };
}
