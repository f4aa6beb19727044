import type { Database, Statement } from 'better-sqlite3';
import type { ApexDelivery, ApexDeliveryWait } from '../port.js';
import { toJson } from './apex-documents.js';

interface QueueRow {
  after_ms: number;
  doc: string;
}

/** What is stored as `doc`: the delivery without its due time (a column). */
interface StoredDelivery {
  address: unknown;
  actorId: unknown;
  signingKey: unknown;
  body: unknown;
  attempt: unknown;
}

/**
 * apex's delivery queue on SQLite, in a table (so it survives restarts):
 * due deliveries come out by due time, then in insertion order, exactly as
 * apex's MongoDB store sorts by `{ after: 1, _id: 1 }`.
 */
export class SqliteDeliveryQueue {
  private readonly insert: Statement<[number, string | null, string]>;
  private readonly takeDue: Statement<[number], QueueRow>;
  private readonly nextDue: Statement<[], { after_ms: number }>;
  private readonly setKey: Statement<[string, string]>;

  constructor(private readonly db: Database) {
    this.insert = db.prepare('INSERT INTO apex_delivery_queue (after_ms, actor_id, doc) VALUES (?, ?, ?)');
    // One statement: taking the row and deleting it cannot be split by a crash.
    this.takeDue = db.prepare(`
      DELETE FROM apex_delivery_queue
      WHERE _id = (SELECT _id FROM apex_delivery_queue WHERE after_ms <= ? ORDER BY after_ms, _id LIMIT 1)
      RETURNING after_ms, doc`);
    this.nextDue = db.prepare('SELECT after_ms FROM apex_delivery_queue ORDER BY after_ms, _id LIMIT 1');
    this.setKey = db.prepare("UPDATE apex_delivery_queue SET doc = json_set(doc, '$.signingKey', json(?)) WHERE actor_id = ?");
  }

  /** One row per address, due now; `undefined` without addresses (apex's contract). */
  enqueue(actorId: string, body: unknown, addresses: string | readonly string[] | null | undefined, signingKey: unknown): true | undefined {
    if (!addresses || addresses.length === 0) return undefined;
    const list = typeof addresses === 'string' ? [addresses] : addresses;
    const after = Date.now();
    this.db.transaction(() => {
      for (const address of list) {
        this.insertDelivery(after, { address, actorId, signingKey, body, attempt: 0 });
      }
    })();
    return true;
  }

  dequeue(): ApexDelivery | ApexDeliveryWait | null {
    const row = this.takeDue.get(Date.now());
    if (row) {
      const stored = JSON.parse(row.doc) as StoredDelivery;
      return { ...stored, after: new Date(row.after_ms) } as ApexDelivery;
    }
    const next = this.nextDue.get();
    return next ? { waitUntil: new Date(next.after_ms) } : null;
  }

  /** Due `10^attempt` ms after its previous due time; increments `delivery.attempt` in place, as apex does. */
  requeue(delivery: ApexDelivery): boolean {
    const nextTime = delivery.after.getTime() + Math.pow(10, delivery.attempt++);
    delivery.after = new Date(nextTime);
    const { address, actorId, signingKey, body, attempt } = delivery;
    this.insertDelivery(nextTime, { address, actorId, signingKey, body, attempt });
    return true;
  }

  /** A replaced actor's new private key reaches the deliveries it has queued. */
  updateSigningKey(actorId: string, privateKey: unknown): void {
    this.setKey.run(toJson(privateKey), actorId);
  }

  private insertDelivery(afterMs: number, delivery: StoredDelivery): void {
    const actorId = typeof delivery.actorId === 'string' ? delivery.actorId : null;
    this.insert.run(afterMs, actorId, toJson(delivery));
  }
}
