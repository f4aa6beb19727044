/**
 * Why a store could not be opened. Boot code may map these to exit codes; the
 * message alone must already tell an operator what to fix.
 */
export type StoreUnavailableReason =
  | 'data-dir'
  | 'not-a-database'
  | 'corrupt'
  | 'schema-too-new'
  | 'locked'
  | 'mongodb-url'
  | 'mongodb-unreachable';

/**
 * Broken infrastructure at boot: the store cannot be used as configured.
 * The message is one line that says what to fix; nothing has been modified.
 */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';

  constructor(
    readonly reason: StoreUnavailableReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    // One line, whatever a path or a driver message contains.
    super(message.replace(/[\r\n]+/g, ' '), options);
  }
}

/** The three delivery-queue methods of activitypub-express's store interface. */
export type ApexDeliveryQueueMethod = 'deliveryDequeue' | 'deliveryEnqueue' | 'deliveryRequeue';

/**
 * A call to apex's own delivery queue, which no code path may make: Hearth
 * replaces apex's `queueForDelivery` with its durable delivery queue
 * (`federation/delivery`), so apex never enqueues, dequeues or requeues. A
 * call means a new apex version (or new code) bypasses that queue: fail loudly
 * instead of queueing deliveries that nothing would ever send.
 */
export class ApexDeliveryQueueUnusedError extends Error {
  override readonly name = 'ApexDeliveryQueueUnusedError';

  constructor(readonly method: ApexDeliveryQueueMethod) {
    super(`${method} is not supported: Hearth replaces activitypub-express's queueForDelivery with its own durable delivery queue (federation/delivery), so apex's delivery queue is never used`);
  }
}

/** The errno-style code of a Node or SQLite error (`EACCES`, `SQLITE_NOTADB`), if any. */
export function errorCode(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const code = error.code;
    if (typeof code === 'string') return code;
    if (typeof code === 'number') return String(code);
  }
  return undefined;
}

/** The message of anything thrown, on one line. */
export function errorMessage(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.replace(/[\r\n]+/g, ' ');
}
