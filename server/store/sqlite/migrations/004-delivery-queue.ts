import type { Migration } from '../migrations.js';

/**
 * Hearth's own durable delivery queue (federation/delivery), replacing apex's
 * serial one. Times are milliseconds since the epoch (compared and indexed).
 *  - delivery_batches: receipts; no link to any account or persona, so a
 *    receipt outlives the account it reports on.
 *  - delivery_jobs: one row per (activity, inbox), the idempotency key. An
 *    open job (pending, in flight) holds the private key to sign with; the
 *    CHECK makes erasing it when the job ends a property of the schema.
 *    `next_attempt_at` is the due time of a pending job and the lease expiry
 *    of an in-flight one, so one index serves "what may be claimed now".
 *  - delivery_hosts: per-host failure days and the unavailable flag.
 */
export const deliverySchema: Migration = {
  version: 4,
  name: 'delivery-queue',
  up(db) {
    db.exec(`
      CREATE TABLE delivery_batches (
        id TEXT PRIMARY KEY,
        created_at INTEGER NOT NULL,
        actor_id TEXT
      ) STRICT;
      CREATE INDEX delivery_batches_created ON delivery_batches (created_at);

      CREATE TABLE delivery_jobs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        activity_id TEXT NOT NULL,
        inbox TEXT NOT NULL,
        host TEXT NOT NULL,
        body TEXT NOT NULL,
        key_id TEXT NOT NULL,
        private_key_pem TEXT,
        state TEXT NOT NULL CHECK (state IN ('pending', 'in-flight', 'delivered', 'failed')),
        attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
        next_attempt_at INTEGER NOT NULL,
        claim TEXT,
        last_attempt_at INTEGER,
        last_status INTEGER,
        last_error TEXT,
        batch_id TEXT REFERENCES delivery_batches (id) ON DELETE CASCADE,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        UNIQUE (activity_id, inbox),
        CHECK ((state IN ('delivered', 'failed')) = (private_key_pem IS NULL)),
        CHECK ((state = 'in-flight') = (claim IS NOT NULL))
      ) STRICT;
      CREATE INDEX delivery_jobs_due ON delivery_jobs (host, next_attempt_at) WHERE state IN ('pending', 'in-flight');
      CREATE INDEX delivery_jobs_open_created ON delivery_jobs (created_at) WHERE state IN ('pending', 'in-flight');
      CREATE INDEX delivery_jobs_open_key ON delivery_jobs (key_id) WHERE state IN ('pending', 'in-flight');
      CREATE INDEX delivery_jobs_ended ON delivery_jobs (updated_at) WHERE state IN ('delivered', 'failed') AND batch_id IS NULL;
      CREATE INDEX delivery_jobs_batch ON delivery_jobs (batch_id, host) WHERE batch_id IS NOT NULL;

      CREATE TABLE delivery_hosts (
        host TEXT PRIMARY KEY,
        failure_days TEXT NOT NULL DEFAULT '[]',
        last_failure_at INTEGER,
        last_success_at INTEGER,
        last_probe_at INTEGER,
        unavailable INTEGER NOT NULL DEFAULT 0 CHECK (unavailable IN (0, 1))
      ) STRICT;
      CREATE INDEX delivery_hosts_unavailable ON delivery_hosts (host) WHERE unavailable = 1;
    `);
  },
};
