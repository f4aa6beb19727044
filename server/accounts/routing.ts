/** Small helpers shared by the accounts controllers. */
import type { Request, RequestHandler, Response } from 'express';
import type { ClientInfo } from './credentials.js';
import { DEVICE_COOKIE } from './known-devices.js';
import { readCookie } from './session-auth.js';

/**
 * Wraps an async handler: rejections reach express's error handler (a 500
 * without internals), and nothing private is cached on the way.
 */
export function route(handler: (req: Request, res: Response) => Promise<void>): RequestHandler {
  return (req, res, next) => {
    res.set('Cache-Control', 'no-store');
    handler(req, res).catch(next);
  };
}

/** The client, for the failed-login throttle: the address stays in memory. */
export function clientOf(req: Request): ClientInfo {
  return { ip: req.ip ?? req.socket.remoteAddress ?? 'unknown', deviceCookie: readCookie(req, DEVICE_COOKIE) };
}
