/** Deletion receipts: a batch of jobs, reported per instance. */
import { randomBytes } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Result } from '../../server/core/result.js';
import type { DeliveryBatch, DeliveryBatchJob } from '../../server/store/index.js';
import type { DeliveryReceipt, InstanceReceipt, ReceiptError } from './types.js';

/** 18 random bytes: 144 bits, 24 URL-safe characters. Knowing the id is what lets one read the receipt. */
const RECEIPT_ID_BYTES = 18;
const RECEIPT_ID = /^[A-Za-z0-9_-]{24}$/;

/** A fresh receipt id. */
export function newReceiptId(): string {
  return randomBytes(RECEIPT_ID_BYTES).toString('base64url');
}

/** Whether `id` could be a receipt id (so malformed ones never reach the store). */
export function isReceiptId(id: string): boolean {
  return RECEIPT_ID.test(id);
}

/**
 * Folds a batch's jobs into one entry per host: `pending` while any job to
 * it is open; else `acknowledged` when any was delivered (the host has the
 * activity, even if another of its inboxes answered 410), else `failed`.
 */
export function buildReceipt(batch: DeliveryBatch, jobs: readonly DeliveryBatchJob[]): DeliveryReceipt {
  const byHost = new Map<string, DeliveryBatchJob[]>();
  for (const job of jobs) {
    const list = byHost.get(job.host) ?? [];
    list.push(job);
    byHost.set(job.host, list);
  }
  const instances: InstanceReceipt[] = [];
  for (const [host, list] of [...byHost].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const open = list.some((j) => j.state === 'pending' || j.state === 'in-flight');
    const delivered = list.filter((j) => j.state === 'delivered');
    const state = open ? 'pending' : delivered.length > 0 ? 'acknowledged' : 'failed';
    // The status that explains the state: an acknowledging one, else the most recent answer.
    const explaining = (delivered.length > 0 ? delivered : list)
      .filter((j) => j.lastStatus !== null)
      .sort((a, b) => (b.lastAttemptAt?.getTime() ?? 0) - (a.lastAttemptAt?.getTime() ?? 0))[0];
    const last = Math.max(...list.map((j) => j.lastAttemptAt?.getTime() ?? Number.NEGATIVE_INFINITY));
    instances.push({
      host,
      state,
      ...(state !== 'pending' && explaining?.lastStatus != null ? { status: explaining.lastStatus } : {}),
      attempts: list.reduce((sum, j) => sum + j.attempts, 0),
      ...(Number.isFinite(last) ? { lastAttemptAt: new Date(last).toISOString() } : {}),
    });
  }
  return { id: batch.id, createdAt: batch.createdAt.toISOString(), instances };
}

/**
 * `GET …/deletions/:id`: answers the receipt as JSON, or 404 in the
 * project's error shape. Needs no session: the account may be gone, and the
 * unguessable id is the capability. Mount it where the HTTP app wants it.
 */
export function receiptHandler(source: { receipt(id: string): Promise<Result<DeliveryReceipt, ReceiptError>> }): RequestHandler<{ id: string }> {
  return (req, res, next) => {
    source.receipt(req.params.id).then(
      (result) => {
        res.setHeader('cache-control', 'no-store');
        if (result.ok) {
          res.json(result.value);
        } else {
          res.status(404).json({ error: 'not_found', message: 'no deletion receipt with this id' });
        }
      },
      (error: unknown) => next(error),
    );
  };
}
