import type { RequestHandler } from 'express';

/** What /healthz asks of the rest of the process. */
export interface HealthSources {
  version: string;
  storeKind: 'sqlite' | 'mongodb';
  /** Resolves true when the store answers; must not throw. */
  pingStore(): Promise<boolean>;
  /** Number of media workers alive right now. */
  mediaWorkersAlive(): number;
}

export interface HealthReport {
  status: 'ok' | 'unavailable';
  version: string;
  store: 'sqlite' | 'mongodb';
  storeOk: boolean;
  mediaWorkers: number;
}

const PING_TIMEOUT_MS = 1500;

async function pingWithTimeout(sources: HealthSources): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), PING_TIMEOUT_MS);
  });
  try {
    return await Promise.race([sources.pingStore().catch(() => false), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Builds the health report: unavailable when the store or every media worker is down. */
export async function healthReport(sources: HealthSources): Promise<HealthReport> {
  const storeOk = await pingWithTimeout(sources);
  const mediaWorkers = sources.mediaWorkersAlive();
  return {
    status: storeOk && mediaWorkers > 0 ? 'ok' : 'unavailable',
    version: sources.version,
    store: sources.storeKind,
    storeOk,
    mediaWorkers,
  };
}

/** GET /healthz: 200 with the report when healthy, 503 otherwise. Never cached. */
export function healthHandler(sources: HealthSources): RequestHandler {
  return (_req, res, next) => {
    healthReport(sources).then((report) => {
      res.set('Cache-Control', 'no-store');
      res.status(report.status === 'ok' ? 200 : 503).json(report);
    }, next);
  };
}
