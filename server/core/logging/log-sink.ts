import fs from 'node:fs';
import type { Writable } from 'node:stream';

/** Options of {@link LogSink}; the defaults suit the server's standard output. */
export interface LogSinkOptions {
  /** Where the lines go: standard output by default. */
  stream?: Writable;
  /** Lines beyond this many bytes waiting for the output are dropped (and counted) until it catches up. */
  maxBufferedBytes?: number;
  /** Where the single "log output is failing" notice goes (standard error by default). */
  report?: (message: string) => void;
}

const DEFAULT_MAX_BUFFERED_BYTES = 1024 * 1024;
const DRAIN_POLL_MS = 20;

/** One line on standard error, written without waiting and without throwing, whatever state stderr is in. */
function reportOnStderr(message: string): void {
  fs.write(2, `hearth: ${message}\n`, () => {
    // Nothing more can be done when standard error is gone as well.
  });
}

/**
 * The logger's destination: writes log lines to a stream (standard output)
 * without ever blocking the event loop and without ever throwing.
 *
 * Why not pino's default destination: when the reader of standard output
 * stops reading or goes away, its synchronous flush retries the same bytes in
 * a loop with a sleeping wait on the main thread (it runs at exit too), so the
 * process stops serving and cannot even exit on SIGTERM. Here lines go through
 * Node's own stream for the output (for a pipe or socket: non-blocking, in
 * the event loop, nothing parked in the thread pool that an exit would wait
 * for); at most `maxBufferedBytes` wait in memory and newer lines are dropped
 * beyond that; an output that fails (EPIPE, ...) turns the sink into a counter
 * of dropped lines; the first trouble is reported once on standard error. A
 * logging failure never stops the server.
 */
export class LogSink {
  readonly #out: Writable;
  readonly #maxBytes: number;
  readonly #report: (message: string) => void;
  #broken = false;
  #reported = false;
  #dropped = 0;
  #listening = false;

  constructor(options: LogSinkOptions = {}) {
    this.#out = options.stream ?? process.stdout;
    this.#maxBytes = options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED_BYTES;
    this.#report = options.report ?? reportOnStderr;
  }

  /** Lines dropped so far (output gone, or too far behind). */
  get dropped(): number {
    return this.#dropped;
  }

  /** Whether the output failed for good (every later line is dropped). */
  get broken(): boolean {
    return this.#broken;
  }

  /** Queues one log line (pino calls this with each serialized line). Never blocks, never throws. */
  write(line: string): void {
    if (!this.#listening) {
      // On first use: loggers that never write (silent ones) leave the stream alone.
      this.#listening = true;
      this.#out.on('error', (err: NodeJS.ErrnoException) => this.#fail(err));
    }
    if (this.#broken || this.#out.destroyed) {
      this.#dropped += 1;
      return;
    }
    if (this.#out.writableLength + Buffer.byteLength(line) > this.#maxBytes) {
      this.#dropped += 1;
      this.#reportOnce(`log output is not keeping up (over ${this.#maxBytes} bytes waiting); dropping log lines until it does`);
      return;
    }
    try {
      this.#out.write(line);
    } catch (err) {
      this.#fail(err as NodeJS.ErrnoException);
    }
  }

  /**
   * Resolves once every queued line is written, the output has failed, or
   * `timeoutMs` has passed, whichever comes first: a stuck output never
   * holds up an exit for longer than that.
   */
  drain(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    return new Promise((resolve) => {
      const check = (): void => {
        if (this.#broken || this.#out.destroyed || this.#out.writableLength === 0 || Date.now() >= deadline) resolve();
        else setTimeout(check, Math.min(DRAIN_POLL_MS, Math.max(1, deadline - Date.now())));
      };
      check();
    });
  }

  /** pino's `logger.flush(cb)`: like {@link drain} with a one-second bound. */
  flush(cb?: (err?: Error) => void): void {
    void this.drain(1000).then(() => cb?.());
  }

  #fail(err: NodeJS.ErrnoException): void {
    if (this.#broken) return;
    this.#broken = true;
    this.#reportOnce(`log output failed (${err.code ?? err.message}); log lines are dropped from now on, the server goes on`);
  }

  #reportOnce(message: string): void {
    if (this.#reported) return;
    this.#reported = true;
    try {
      this.#report(message);
    } catch {
      // Reporting is best effort, like the log itself.
    }
  }
}
