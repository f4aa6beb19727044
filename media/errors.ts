/**
 * Errors of the media layer. They are thrown, not returned: each one means
 * broken infrastructure (no worker binary, a worker that cannot start), not
 * an expected outcome of a domain operation.
 */

function messageOf(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}

/**
 * No mediasoup worker could be started at all, typically because the worker
 * binary is missing, not executable or built for another system. The message
 * is one line that tells the operator what to fix.
 */
export class MediaUnavailableError extends Error {
  override readonly name = 'MediaUnavailableError';

  /**
   * @param workerBin - the binary mediasoup tried to run
   * @param cause - what the spawn attempt failed with
   */
  constructor(
    readonly workerBin: string,
    cause: unknown,
  ) {
    super(
      `mediasoup worker could not be started (binary ${workerBin}: ${messageOf(cause)}); ` +
        'set MEDIASOUP_WORKER_BIN to a built mediasoup-worker binary, or run `npm start`, which builds the worker',
      { cause },
    );
  }
}

/**
 * A worker slot other than the first failed to start while the pool was
 * starting. The binary works (the first worker is up), so this points at the
 * machine: ports, memory, process limits.
 */
export class MediaWorkerSpawnError extends Error {
  override readonly name = 'MediaWorkerSpawnError';

  /**
   * @param slot - the pool slot whose worker failed
   * @param cause - what the spawn attempt failed with
   */
  constructor(
    readonly slot: number,
    cause: unknown,
  ) {
    super(`mediasoup worker for slot ${slot} could not be started: ${messageOf(cause)}`, { cause });
  }
}

/** The pool was closed while it was starting, so it never became ready. */
export class MediaPoolClosedError extends Error {
  override readonly name = 'MediaPoolClosedError';

  constructor() {
    super('media worker pool was closed before it finished starting');
  }
}
