import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import type { Logger } from './logging/logger.js';

/** The JSON body of every error answer: a stable machine code and a sentence for people. */
export interface ErrorBody {
  error: string;
  message: string;
}

/** Sends an error answer in the one shape every endpoint uses. */
export function sendError(res: Response, status: number, error: string, message: string): void {
  const body: ErrorBody = { error, message };
  res.status(status).json(body);
}

/** 404 for every route nobody claimed. */
export const notFound: RequestHandler = (req, res) => {
  sendError(res, 404, 'not_found', `no route for ${req.method} ${req.path}`);
};

/** Errors body-parser raises, mapped to client errors; anything else is a 500 without internals. */
interface HttpishError {
  type?: string;
  status?: number;
  statusCode?: number;
  expose?: boolean;
  limit?: number;
}

export function errorHandler(log: Logger, storeFaults?: { answer(error: unknown, res: Response): boolean }): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    if (storeFaults?.answer(error, res)) return;
    const e = (typeof error === 'object' && error !== null ? error : {}) as HttpishError;
    switch (e.type) {
      case 'entity.too.large':
        sendError(res, 413, 'payload_too_large', `request body is larger than the ${e.limit ?? 'allowed'} bytes this endpoint accepts`);
        return;
      case 'entity.parse.failed':
        sendError(res, 400, 'malformed_json', 'request body is not valid JSON');
        return;
      case 'encoding.unsupported':
      case 'charset.unsupported':
        sendError(res, 415, 'unsupported_encoding', 'request body encoding or charset is not supported');
        return;
      case 'request.aborted':
        sendError(res, 400, 'request_aborted', 'the request body was not received in full');
        return;
      default:
        break;
    }
    const status = e.status ?? e.statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500 && e.expose !== false) {
      sendError(res, status, 'bad_request', error instanceof Error ? error.message : 'bad request');
      return;
    }
    // Logged once here, with the request id (req.log is pino-http's per-request child).
    (req.log ?? log).error({ err: error }, 'unhandled error while serving a request');
    sendError(res, 500, 'internal', 'internal server error');
  };
}
