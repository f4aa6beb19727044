// Child process for worker-pool.test.ts: starts a one-worker pool with
// whatever MEDIASOUP_WORKER_BIN the parent gave it (a broken one) and prints
// how start() failed as one JSON line. A child, because mediasoup reads the
// variable once, when its module loads.
import { pino } from 'pino';
import { MediaUnavailableError, MediaWorkerPool } from '../index.js';

const pool = new MediaWorkerPool({
  size: 1,
  logLevel: 'none',
  rtcMinPort: 41900,
  rtcMaxPort: 41999,
  log: pino({ level: 'silent' }),
});

let outcome: Record<string, unknown>;
try {
  await pool.start();
  outcome = { started: true };
} catch (error) {
  outcome = {
    started: false,
    isMediaUnavailableError: error instanceof MediaUnavailableError,
    name: error instanceof Error ? error.name : typeof error,
    message: error instanceof Error ? error.message : String(error),
  };
} finally {
  await pool.close();
}
process.stdout.write(`${JSON.stringify(outcome)}\n`);
