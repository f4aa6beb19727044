/**
 * Outbound ActivityPub delivery: a durable queue in the store, a concurrent
 * runner with per-host caps, retries with backoff over about a week, host
 * health, and deletion receipts. See {@link DeliveryQueue}.
 */
export { DeliveryQueue, DEFAULT_DELIVERY_OPTIONS, type DeliveryQueueDeps } from './delivery-queue.js';
export { chooseInboxes, normalizeInbox, type InboxRecipient } from './inboxes.js';
export { receiptHandler, isReceiptId } from './receipt.js';
export { DEFAULT_RETRY_POLICY, backoffCapMs, nextAttemptAt, parseRetryAfter, judgeAttempt, type AttemptVerdict } from './schedule.js';
export {
  systemClock,
  type Clock,
  type DeliveryHttpClient,
  type DeliveryOptions,
  type DeliveryReceipt,
  type DeliverySigner,
  type EnqueueError,
  type EnqueueRequest,
  type EnqueueSummary,
  type InstanceDeliveryState,
  type InstanceReceipt,
  type OutboundActivity,
  type ReceiptError,
  type RetryPolicy,
} from './types.js';
