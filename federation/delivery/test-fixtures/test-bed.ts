/**
 * What every delivery test needs, set up before and torn down after each
 * test: a real SQLite store, a manual clock, a loopback-allowed fetcher, the
 * inbox servers and queues a test started (stopped and closed afterwards).
 */
import { afterEach, beforeEach } from 'node:test';
import type { SafeFetcher } from '../../net/index.js';
import { DeliveryQueue, type DeliveryQueueDeps } from '../index.js';
import type { TempStore } from '../../../test/helpers/temp-store.js';
import { ManualClock, loopbackFetcher, silentLogger, startInbox, tempStore, testKeys, waitFor, type InboxServer } from './inbox-server.js';

export interface DeliveryTestBed {
  /** The current test's store (new for every test). */
  harness: TempStore;
  clock: ManualClock;
  /** May be replaced by a test (e.g. with a shorter timeout); the bed closes whichever is current. */
  fetcher: SafeFetcher;
  /** Inbox servers to close after the test. */
  servers: InboxServer[];
  /** A queue on the current store, fetcher and clock, stopped after the test. */
  queue(overrides?: Partial<DeliveryQueueDeps>): DeliveryQueue;
  /**
   * The positive signal before asserting that something was not sent: queues
   * a witness delivery (due now, to an inbox of its own), wakes the runner and
   * waits until the witness is delivered and nothing is in flight. The runner
   * claims due jobs by due time, so any job that was due no later than the
   * witness has been claimed and its post has finished by then.
   */
  passOver(q: DeliveryQueue): Promise<void>;
}

/** Registers the per-test set-up and tear-down in the calling `describe`. */
export function deliveryTestBed(): DeliveryTestBed {
  const queues: DeliveryQueue[] = [];
  let witness: InboxServer | undefined;
  let witnesses = 0;
  const bed = {
    servers: [] as InboxServer[],
    queue(overrides: Partial<DeliveryQueueDeps> = {}): DeliveryQueue {
      const q = new DeliveryQueue({
        repository: bed.harness.store().delivery,
        http: bed.fetcher,
        log: silentLogger(),
        clock: bed.clock,
        random: () => 0.5,
        ...overrides,
      });
      queues.push(q);
      return q;
    },
    async passOver(q: DeliveryQueue): Promise<void> {
      if (!witness) {
        witness = await startInbox(() => ({ status: 202 }));
        bed.servers.push(witness);
      }
      const id = `https://hearth.test/activities/witness-${++witnesses}`;
      const { privateKeyPem } = testKeys();
      const queued = await q.enqueue({ activity: { id, type: 'Create' }, inboxes: [witness.inbox], keyId: 'https://hearth.test/u/witness#main-key', privateKeyPem });
      if (!queued.ok || queued.value.queued !== 1) throw new Error(`witness not queued: ${JSON.stringify(queued)}`);
      q.wake();
      const inbox = witness.inbox;
      await waitFor('the witness delivery, with nothing else in flight', async () =>
        (await bed.harness.store().delivery.findJob(id, inbox))?.state === 'delivered' && q.inFlight === 0);
    },
  } as DeliveryTestBed;
  beforeEach(async () => {
    bed.harness = await tempStore();
    bed.clock = new ManualClock();
    bed.fetcher = loopbackFetcher(2000);
  });
  afterEach(async () => {
    await Promise.all(queues.splice(0).map((q) => q.stop()));
    await Promise.all(bed.servers.splice(0).map((s) => s.close()));
    witness = undefined;
    await bed.fetcher.close();
    await bed.harness.dispose();
  });
  return bed;
}
