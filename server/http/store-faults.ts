/**
 * A data directory that turns read-only or full under a running server:
 * requests whose write fails are answered 503 (not 500), the fault is
 * logged once with what to fix, and once a write goes through again that is
 * logged once too. Reads are untouched: they never reach this code.
 */
import type { Request, RequestHandler, Response } from 'express';
import type { Logger } from '../core/logging/logger.js';
import { sendError } from '../core/http-errors.js';

/** SQLite's and the file system's codes for "cannot write here now". */
const WRITE_FAULT = /^(SQLITE_(FULL|READONLY|IOERR|CANTOPEN)(_|$)|ENOSPC$|EROFS$|EDQUOT$|EIO$)/;

/** The errno-style code of an error or of the errors it wraps, when it says the store cannot write. */
export function storeWriteFault(error: unknown): string | undefined {
  for (let e = error, depth = 0; typeof e === 'object' && e !== null && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && WRITE_FAULT.test(code)) return code;
  }
  return undefined;
}

/** Turns write faults into 503s and tracks the fault's start and end for the log. */
export class StoreFaultGate {
  private faultSince: Date | undefined;
  private refused = 0;

  constructor(private readonly log: Logger) {}

  /** Answers a write fault with 503 (true), or leaves the error alone (false). */
  answer(error: unknown, res: Response): boolean {
    const code = storeWriteFault(error);
    if (code === undefined) return false;
    this.refused++;
    if (this.faultSince === undefined) {
      this.faultSince = new Date();
      this.log.error(
        { code },
        'the store cannot write (data directory read-only or full?): requests that write get 503 until a write succeeds again; reads go on',
      );
    }
    res.setHeader('Retry-After', '30');
    sendError(res, 503, 'store_unavailable', 'the server cannot store anything right now; nothing was changed, try again later');
    return true;
  }

  /** Notes a write request that succeeded: the end of a fault, if one was on. */
  readonly watch: RequestHandler = (req: Request, res: Response, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD' && req.method !== 'OPTIONS') {
      res.once('finish', () => {
        if (this.faultSince !== undefined && res.statusCode < 400) {
          this.log.info({ refused: this.refused, seconds: Math.round((Date.now() - this.faultSince.getTime()) / 1000) }, 'the store writes again');
          this.faultSince = undefined;
          this.refused = 0;
        }
      });
    }
    next();
  };
}
