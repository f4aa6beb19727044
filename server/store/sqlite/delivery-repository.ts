import type { Database, Statement } from 'better-sqlite3';
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
import { settle } from './settle.js';

interface JobRow {
  id: number;
  activity_id: string;
  inbox: string;
  host: string;
  body: string;
  key_id: string;
  private_key_pem: string | null;
  state: DeliveryJobState;
  attempts: number;
  next_attempt_at: number;
  claim: string | null;
  last_attempt_at: number | null;
  last_status: number | null;
  last_error: string | null;
  batch_id: string | null;
  created_at: number;
  updated_at: number;
}

interface HostRow {
  host: string;
  failure_days: string;
  last_failure_at: number | null;
  last_success_at: number | null;
  last_probe_at: number | null;
  unavailable: 0 | 1;
}

/** A healthy host's last success is rewritten at most this often (each write is an fsync). */
const SUCCESS_REFRESH_MS = 60 * 60 * 1000;
const OPEN = "state IN ('pending', 'in-flight')";
/**
 * Up to this many hosts with open jobs, dueHosts skips from host to host in
 * the index (a few lookups per host, whatever its queue's length); beyond,
 * it scans every open job once (cheaper when most hosts hold a few jobs).
 */
const SKIP_SCAN_HOSTS = 16;

/** The delivery queue on SQLite (migration 4). Every method is one transaction. */
export class SqliteDeliveryRepository implements DeliveryRepository {
  private readonly s: Statements;

  constructor(private readonly db: Database) {
    this.s = prepareStatements(db);
  }

  createBatch(batch: DeliveryBatch): Promise<boolean> {
    return settle(() => this.s.insertBatch.run(batch.id, batch.createdAt.getTime(), batch.actorId).changes > 0);
  }

  getBatch(id: string): Promise<DeliveryBatch | undefined> {
    return settle(() => {
      const row = this.s.getBatch.get(id) as { id: string; created_at: number; actor_id: string | null } | undefined;
      return row && { id: row.id, createdAt: new Date(row.created_at), actorId: row.actor_id };
    });
  }

  batchJobs(batchId: string): Promise<DeliveryBatchJob[]> {
    return settle(() =>
      (this.s.batchJobs.all(batchId) as JobRow[]).map((r) => ({
        host: r.host,
        state: r.state,
        lastStatus: r.last_status,
        attempts: r.attempts,
        lastAttemptAt: toDate(r.last_attempt_at),
      })),
    );
  }

  enqueue(jobs: readonly NewDeliveryJob[], now: Date, dueAt: Date = now): Promise<{ inserted: number; duplicates: number }> {
    return settle(() => this.enqueueNow(jobs, now, dueAt));
  }

  /** `enqueue`, synchronously: its own (immediate) transaction, or a savepoint inside the caller's. */
  enqueueNow(jobs: readonly NewDeliveryJob[], now: Date, dueAt: Date = now): { inserted: number; duplicates: number } {
    return this.db.transaction(() => {
      let inserted = 0;
      for (const job of jobs) {
        inserted += this.s.insertJob.run({ ...job, now: now.getTime(), due: dueAt.getTime() }).changes;
      }
      return { inserted, duplicates: jobs.length - inserted };
    }).immediate();
  }

  findJob(activityId: string, inbox: string): Promise<DeliveryJob | undefined> {
    return settle(() => {
      const row = this.s.findJob.get(activityId, inbox) as JobRow | undefined;
      return row && toJob(row);
    });
  }

  /**
   * Few hosts with open jobs (the common case, however long their queues):
   * each host's earliest job is read from the index (a skip scan), chosen
   * here. More than SKIP_SCAN_HOSTS: one grouped scan of every open job,
   * which costs less per host when most hosts have only a few (ADR 0052).
   */
  dueHosts(query: { now: Date; exclude: readonly string[]; limit: number }): Promise<string[]> {
    return settle(() => {
      const now = query.now.getTime();
      const open = this.s.openHostHeads.all({ cap: SKIP_SCAN_HOSTS }) as { host: string; due: number; unavailable: 0 | 1 }[];
      if (open.length > SKIP_SCAN_HOSTS) {
        const rows = this.s.dueHosts.all({ now, exclude: JSON.stringify(query.exclude), limit: query.limit });
        return (rows as { host: string }[]).map((r) => r.host);
      }
      const exclude = new Set(query.exclude);
      return open
        .filter((r) => r.due <= now && r.unavailable === 0 && !exclude.has(r.host))
        .sort((a, b) => a.due - b.due || (a.host < b.host ? -1 : a.host > b.host ? 1 : 0))
        .slice(0, Math.max(0, query.limit))
        .map((r) => r.host);
    });
  }

  claim(query: { host: string; now: Date; limit: number; leaseUntil: Date; claim: string }): Promise<ClaimedDeliveryJob[]> {
    return settle(() => this.claimOne(query));
  }

  claimHosts(query: HostsClaim): Promise<ClaimedDeliveryJob[]> {
    return settle(() =>
      this.db.transaction(() => query.hosts.flatMap(({ host, limit }) => this.claimOne({ ...query, host, limit }))).immediate(),
    );
  }

  settle(id: string, claim: string, outcome: DeliveryOutcome): Promise<boolean> {
    return settle(() => this.settleOne({ id, claim, outcome }));
  }

  settleMany(settlements: readonly DeliverySettlement[]): Promise<boolean[]> {
    return settle(() => this.db.transaction(() => settlements.map((s) => this.settleOne(s))).immediate());
  }

  settleAndClaim(
    settlements: readonly DeliverySettlement[],
    query: HostsClaim,
  ): Promise<{ settled: boolean[]; claimed: ClaimedDeliveryJob[] }> {
    return settle(() =>
      this.db.transaction(() => ({
        settled: settlements.map((s) => this.settleOne(s)),
        claimed: query.hosts.flatMap(({ host, limit }) => this.claimOne({ ...query, host, limit })),
      })).immediate(),
    );
  }

  expire(query: { createdBefore: Date; now: Date; error: string }): Promise<number> {
    return settle(() =>
      this.s.expire.run({ before: query.createdBefore.getTime(), now: query.now.getTime(), error: query.error }).changes,
    );
  }

  cancelForKey(keyId: string, now: Date, error: string): Promise<number> {
    return settle(() => this.s.cancelKey.run({ keyId, now: now.getTime(), error }).changes);
  }

  openHosts(): Promise<string[]> {
    return settle(() => this.db.prepare(`SELECT DISTINCT host FROM delivery_jobs WHERE ${OPEN} ORDER BY host`).pluck().all() as string[]);
  }

  cancelForHost(host: string, now: Date, error: string): Promise<number> {
    return settle(() => this.s.cancelHost.run({ host, now: now.getTime(), error }).changes);
  }

  deleteForKey(keyId: string): Promise<number> {
    return settle(() => this.s.deleteKey.run(keyId).changes);
  }

  purge(query: { endedBefore: Date; batchesCreatedBefore: Date }): Promise<number> {
    return settle(() =>
      this.db.transaction(() => {
        const batchCutoff = query.batchesCreatedBefore.getTime();
        const jobs = this.s.purgeBatchJobs.run(batchCutoff).changes;
        this.s.purgeBatches.run(batchCutoff);
        return jobs + this.s.purgeEnded.run(query.endedBefore.getTime()).changes;
      }).immediate(),
    );
  }

  counts(): Promise<Record<DeliveryJobState, number>> {
    return settle(() => {
      const counts: Record<DeliveryJobState, number> = { pending: 0, 'in-flight': 0, delivered: 0, failed: 0 };
      for (const row of this.s.counts.all() as { state: DeliveryJobState; n: number }[]) counts[row.state] = row.n;
      return counts;
    });
  }

  hostHealth(host: string): Promise<DeliveryHostHealth | undefined> {
    return settle(() => {
      const row = this.s.getHost.get(host) as HostRow | undefined;
      return row && toHealth(row);
    });
  }

  unavailableHosts(): Promise<DeliveryHostHealth[]> {
    return settle(() => (this.s.unavailable.all() as HostRow[]).map(toHealth));
  }

  recordHostFailure(host: string, at: Date, unavailableAfterDays: number): Promise<DeliveryHostHealth> {
    return settle(() =>
      this.db.transaction(() => {
        const row = this.s.getHost.get(host) as HostRow | undefined;
        const before = row ? toHealth(row) : emptyHealth(host);
        const days = [...new Set([...before.failureDays, utcDay(at)])].sort();
        const health: DeliveryHostHealth = {
          ...before,
          failureDays: days,
          lastFailureAt: at,
          unavailable: before.unavailable || days.length >= unavailableAfterDays,
        };
        this.s.upsertHost.run(toHostParams(health));
        return health;
      }).immediate(),
    );
  }

  recordHostSuccess(host: string, at: Date): Promise<{ wasUnavailable: boolean }> {
    return settle(() => this.db.transaction(() => ({ wasUnavailable: this.hostSucceeded(host, at) })).immediate());
  }

  recordHostSuccesses(hosts: readonly string[], at: Date): Promise<string[]> {
    return settle(() => this.db.transaction(() => [...new Set(hosts)].filter((host) => this.hostSucceeded(host, at))).immediate());
  }

  markHostProbed(host: string, at: Date): Promise<void> {
    return settle(() => {
      this.s.probed.run(at.getTime(), host);
    });
  }

  private claimOne(query: { host: string; now: Date; limit: number; leaseUntil: Date; claim: string }): ClaimedDeliveryJob[] {
    if (query.limit <= 0) return [];
    const rows = this.s.claim.all({
      host: query.host,
      now: query.now.getTime(),
      limit: query.limit,
      leaseUntil: query.leaseUntil.getTime(),
      claim: query.claim,
    }) as JobRow[];
    // RETURNING has no defined order.
    rows.sort((a, b) => a.id - b.id);
    return rows.map((r) => toJob(r) as ClaimedDeliveryJob);
  }

  private settleOne({ id, claim, outcome }: DeliverySettlement): boolean {
    const base = { id: Number(id), claim, status: outcome.status, error: outcome.error, at: outcome.at.getTime() };
    if (!Number.isSafeInteger(base.id)) return false;
    const result = outcome.state === 'pending'
      ? this.s.retry.run({ ...base, next: outcome.nextAttemptAt.getTime() })
      : this.s.end.run({ ...base, state: outcome.state });
    return result.changes > 0;
  }

  /** Inside a transaction: clears the host's failures (written at most hourly while healthy); answers whether it was unavailable. */
  private hostSucceeded(host: string, at: Date): boolean {
    const row = this.s.getHost.get(host) as HostRow | undefined;
    const before = row ? toHealth(row) : emptyHealth(host);
    const fresh = before.lastSuccessAt !== null && at.getTime() - before.lastSuccessAt.getTime() < SUCCESS_REFRESH_MS;
    if (row && fresh && before.failureDays.length === 0 && !before.unavailable) return false;
    this.s.upsertHost.run(toHostParams({ ...before, failureDays: [], lastSuccessAt: at, unavailable: false }));
    if (before.unavailable) this.s.dueNow.run({ host, at: at.getTime() });
    return before.unavailable;
  }
}

type Statements = ReturnType<typeof prepareStatements>;

/** Every statement, prepared once. */
function prepareStatements(db: Database) {
  const p = (sql: string): Statement => db.prepare(sql);
  return {
    insertBatch: p('INSERT INTO delivery_batches (id, created_at, actor_id) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING'),
    getBatch: p('SELECT id, created_at, actor_id FROM delivery_batches WHERE id = ?'),
    batchJobs: p(`SELECT host, state, last_status, attempts, last_attempt_at FROM delivery_jobs
      WHERE batch_id = ? ORDER BY host, id`),
    insertJob: p(`INSERT INTO delivery_jobs (activity_id, inbox, host, body, key_id, private_key_pem, state,
        attempts, next_attempt_at, batch_id, created_at, updated_at)
      VALUES (@activityId, @inbox, @host, @body, @keyId, @privateKeyPem, 'pending', 0, @due, @batchId, @now, @now)
      ON CONFLICT (activity_id, inbox) DO NOTHING`),
    findJob: p('SELECT * FROM delivery_jobs WHERE activity_id = ? AND inbox = ?'),
    dueHosts: p(`SELECT host, min(next_attempt_at) AS due FROM delivery_jobs
      WHERE ${OPEN} AND next_attempt_at <= @now
        AND host NOT IN (SELECT value FROM json_each(@exclude))
        AND host NOT IN (SELECT host FROM delivery_hosts WHERE unavailable = 1)
      GROUP BY host ORDER BY due, host LIMIT @limit`),
    // The first cap + 1 hosts with open jobs (by name), each with its earliest due time (or lease expiry)
    // and whether it is unavailable: a few index lookups per host. ORDER BY … LIMIT 1 rather than min():
    // the partial index's condition would keep min() from reading only the first entry.
    openHostHeads: p(`WITH RECURSIVE hosts (host, n) AS (
        SELECT (SELECT host FROM delivery_jobs WHERE ${OPEN} ORDER BY host LIMIT 1), 1
        UNION ALL
        SELECT (SELECT host FROM delivery_jobs WHERE ${OPEN} AND host > hosts.host ORDER BY host LIMIT 1), n + 1
          FROM hosts WHERE hosts.host IS NOT NULL AND n <= @cap
      )
      SELECT host,
        (SELECT next_attempt_at FROM delivery_jobs j WHERE ${OPEN} AND j.host = hosts.host ORDER BY next_attempt_at LIMIT 1) AS due,
        EXISTS (SELECT 1 FROM delivery_hosts h WHERE h.host = hosts.host AND h.unavailable = 1) AS unavailable
      FROM hosts WHERE host IS NOT NULL`),
    // One statement: choosing the jobs and leasing them cannot be split by a crash or another process.
    claim: p(`UPDATE delivery_jobs
      SET state = 'in-flight', claim = @claim, next_attempt_at = @leaseUntil, attempts = attempts + 1,
          last_attempt_at = @now, updated_at = @now
      WHERE id IN (SELECT id FROM delivery_jobs WHERE host = @host AND ${OPEN} AND next_attempt_at <= @now
                   ORDER BY next_attempt_at, id LIMIT @limit)
      RETURNING *`),
    end: p(`UPDATE delivery_jobs SET state = @state, private_key_pem = NULL, claim = NULL, last_status = @status,
        last_error = @error, updated_at = @at
      WHERE id = @id AND claim = @claim AND state = 'in-flight'`),
    retry: p(`UPDATE delivery_jobs SET state = 'pending', claim = NULL, next_attempt_at = @next, last_status = @status,
        last_error = @error, updated_at = @at
      WHERE id = @id AND claim = @claim AND state = 'in-flight'`),
    expire: p(`UPDATE delivery_jobs SET state = 'failed', private_key_pem = NULL, claim = NULL, last_error = @error, updated_at = @now
      WHERE ${OPEN} AND created_at < @before AND (state = 'pending' OR next_attempt_at <= @now)`),
    cancelKey: p(`UPDATE delivery_jobs SET state = 'failed', private_key_pem = NULL, claim = NULL, last_error = @error, updated_at = @now
      WHERE ${OPEN} AND key_id = @keyId AND (state = 'pending' OR next_attempt_at <= @now)`),
    cancelHost: p(`UPDATE delivery_jobs SET state = 'failed', private_key_pem = NULL, claim = NULL, last_error = @error, updated_at = @now
      WHERE ${OPEN} AND host = @host AND (state = 'pending' OR next_attempt_at <= @now)`),
    deleteKey: p('DELETE FROM delivery_jobs WHERE key_id = ?'),
    purgeBatchJobs: p('DELETE FROM delivery_jobs WHERE batch_id IN (SELECT id FROM delivery_batches WHERE created_at < ?)'),
    purgeBatches: p('DELETE FROM delivery_batches WHERE created_at < ?'),
    purgeEnded: p(`DELETE FROM delivery_jobs WHERE state IN ('delivered', 'failed') AND batch_id IS NULL AND updated_at < ?`),
    counts: p('SELECT state, count(*) AS n FROM delivery_jobs GROUP BY state'),
    getHost: p('SELECT * FROM delivery_hosts WHERE host = ?'),
    unavailable: p('SELECT * FROM delivery_hosts WHERE unavailable = 1 ORDER BY host'),
    upsertHost: p(`INSERT INTO delivery_hosts (host, failure_days, last_failure_at, last_success_at, last_probe_at, unavailable)
      VALUES (@host, @failureDays, @lastFailureAt, @lastSuccessAt, @lastProbeAt, @unavailable)
      ON CONFLICT (host) DO UPDATE SET failure_days = excluded.failure_days, last_failure_at = excluded.last_failure_at,
        last_success_at = excluded.last_success_at, last_probe_at = excluded.last_probe_at, unavailable = excluded.unavailable`),
    probed: p('UPDATE delivery_hosts SET last_probe_at = ? WHERE host = ?'),
    dueNow: p(`UPDATE delivery_jobs SET next_attempt_at = @at, updated_at = @at
      WHERE host = @host AND state = 'pending' AND next_attempt_at > @at`),
  };
}

/** The UTC calendar date of an instant, `YYYY-MM-DD`. */
export function utcDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}

function toDate(ms: number | null): Date | null {
  return ms === null ? null : new Date(ms);
}

function toJob(r: JobRow): DeliveryJob {
  const job: DeliveryJob & { claim?: string } = {
    id: String(r.id),
    activityId: r.activity_id,
    inbox: r.inbox,
    host: r.host,
    body: r.body,
    keyId: r.key_id,
    privateKeyPem: r.private_key_pem,
    batchId: r.batch_id,
    state: r.state,
    attempts: r.attempts,
    nextAttemptAt: new Date(r.next_attempt_at),
    lastAttemptAt: toDate(r.last_attempt_at),
    lastStatus: r.last_status,
    lastError: r.last_error,
    createdAt: new Date(r.created_at),
    updatedAt: new Date(r.updated_at),
  };
  if (r.claim !== null) job.claim = r.claim;
  return job;
}

function emptyHealth(host: string): DeliveryHostHealth {
  return { host, failureDays: [], lastFailureAt: null, lastSuccessAt: null, lastProbeAt: null, unavailable: false };
}

function toHealth(r: HostRow): DeliveryHostHealth {
  return {
    host: r.host,
    failureDays: JSON.parse(r.failure_days) as string[],
    lastFailureAt: toDate(r.last_failure_at),
    lastSuccessAt: toDate(r.last_success_at),
    lastProbeAt: toDate(r.last_probe_at),
    unavailable: r.unavailable === 1,
  };
}

function toHostParams(h: DeliveryHostHealth): Record<string, string | number | null> {
  return {
    host: h.host,
    failureDays: JSON.stringify(h.failureDays),
    lastFailureAt: h.lastFailureAt?.getTime() ?? null,
    lastSuccessAt: h.lastSuccessAt?.getTime() ?? null,
    lastProbeAt: h.lastProbeAt?.getTime() ?? null,
    unavailable: h.unavailable ? 1 : 0,
  };
}
