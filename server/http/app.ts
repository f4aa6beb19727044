import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import express, { type Express, type Router } from 'express';
import helmet from 'helmet';
import { pinoHttp } from 'pino-http';
import type { Logger } from '../core/logging/logger.js';
import { errorHandler, notFound } from '../core/http-errors.js';
import { StoreFaultGate } from './store-faults.js';
import { healthHandler, type HealthSources } from './health.js';

export interface AppOptions {
  log: Logger;
  /** Number of reverse proxies whose X-Forwarded-* headers are trusted. */
  trustProxy: number;
  health: HealthSources;
  /** Feature routers mounted in order (accounts, federation, rooms… as issues add them). */
  routers?: readonly Router[];
}

const REQUEST_ID = /^[A-Za-z0-9._-]{8,64}$/;

/**
 * A request id on every log line of a request: taken from a well-formed
 * X-Request-Id set by a reverse proxy, else generated, and echoed back.
 */
function requestId(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

/** Composes the express application: security headers, request logging, routes, error mapping. */
export function createApp(options: AppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', options.trustProxy);
  app.set('etag', false);

  app.use(
    pinoHttp({
      logger: options.log.child({ module: 'http' }),
      genReqId: (req, res) => {
        const id = requestId(req);
        res.setHeader('X-Request-Id', id);
        return id;
      },
      // A 503 for a full or read-only store is logged once, as such, by StoreFaultGate.
      customLogLevel: (_req, res, error) => (error || (res.statusCode >= 500 && res.statusCode !== 503) ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
      // Health probes every few seconds would drown the log.
      autoLogging: { ignore: (req) => req.url === '/healthz' },
      // Only what an operator needs: never the full header set (cookies, signatures) nor the address.
      serializers: {
        req: (req: { id: unknown; method: string; url: string }) => ({ id: req.id, method: req.method, url: req.url.split('?')[0] }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
    }),
  );
  app.use(
    helmet({
      contentSecurityPolicy: {
        // Only this origin, and no inline script or style anywhere (the web client is one bundled script and stylesheet).
        directives: {
          defaultSrc: ["'self'"], connectSrc: ["'self'"], mediaSrc: ["'self'", 'blob:'], objectSrc: ["'none'"],
          scriptSrc: ["'self'"], styleSrc: ["'self'"], fontSrc: ["'self'"], imgSrc: ["'self'", 'data:'],
          // Not helmet's default upgrade-insecure-requests: on a plain-http LAN address it would send the
          // page's own script to an https port that does not exist. Behind TLS every URL is https anyway.
          upgradeInsecureRequests: null,
        },
      },
      referrerPolicy: { policy: 'no-referrer' },
      // The public origin may be plain http on a test box; HSTS is the reverse proxy's decision.
      strictTransportSecurity: false,
    }),
  );

  const storeFaults = new StoreFaultGate(options.log.child({ module: 'http' }));
  app.use(storeFaults.watch);
  app.get('/healthz', healthHandler(options.health));
  for (const router of options.routers ?? []) app.use(router);

  app.use(notFound);
  app.use(errorHandler(options.log, storeFaults));
  return app;
}
