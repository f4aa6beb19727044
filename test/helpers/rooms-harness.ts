/**
 * The whole instance as production builds it (the composition root), on a
 * real SQLite store, real federation and a real mediasoup worker pool,
 * listening on 127.0.0.1 with the signaling WebSocket attached. Tests tune
 * it only through the composition root's overrides.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, type Config } from '../../config/index.js';
import type { Federation } from '../../federation/index.js';
import type { MediaWorkerPool } from '../../media/index.js';
import type { PersonaHooks } from '../../server/accounts/index.js';
import { buildInstance } from '../../server/composition-root.js';
import { createLogger } from '../../server/core/logging/logger.js';
import type { Moderation } from '../../server/moderation/index.js';
import type { Rooms, RoomsOptions } from '../../server/rooms/index.js';
import type { SignalLimits } from '../../server/signaling/index.js';
import type { Store } from '../../server/store/index.js';
import { Client, PASSWORD } from './accounts-harness.js';
import { SignalClient } from './signal-client.js';

export interface RoomsHarness {
  baseUrl: string;
  config: Config;
  store: Store;
  media: MediaWorkerPool;
  rooms: Rooms;
  federation: Federation;
  hooks: PersonaHooks;
  /** Moderation, wired as instance.ts does (without federation: no remote targets, no domain purges). */
  moderation: Moderation;
  /** Registers an account with one persona (acting); answers its HTTP client and cookie header. */
  person(handle: string): Promise<{ client: Client; cookie: string; personaId: string }>;
  /** A signaling connection with this cookie (none: a guest). */
  signal(cookie?: string): Promise<SignalClient>;
  close(): Promise<void>;
}

export interface RoomsHarnessOptions {
  workers?: number;
  idleSeconds?: number;
  env?: Record<string, string>;
  options?: RoomsOptions & { signalLimits?: SignalLimits };
}

export async function startRoomsHarness(opts: RoomsHarnessOptions = {}): Promise<RoomsHarness> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-rooms-'));
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { config } = loadConfig([], {
    HEARTH_DATA_DIR: dataDir,
    HEARTH_PUBLIC_URL: baseUrl,
    HEARTH_MEDIA_WORKERS: String(opts.workers ?? 1),
    HEARTH_ROOM_IDLE_SECONDS: String(opts.idleSeconds ?? 300),
    // Every test client signs up from 127.0.0.1.
    HEARTH_SIGNUP_PER_CLIENT: '10000',
    ...opts.env,
  });
  const log = createLogger({ level: 'silent', logIpAddresses: false });
  const { signalLimits, ...roomsOptions } = opts.options ?? {};
  let built;
  try {
    built = await buildInstance(config, {
      log,
      version: 'test',
      overrides: {
        restartBackoff: { initialMs: 100, maxMs: 500 },
        rooms: roomsOptions,
        moderation: { refreshMs: 200 },
        ...(signalLimits ? { signalLimits } : {}),
      },
    });
  } catch (e) {
    server.close();
    throw e;
  }
  const { store, media, rooms, federation, hooks, moderation } = built;
  server.on('request', built.app);
  built.attach(server);

  return {
    baseUrl, config, store, media, rooms, federation, hooks, moderation,
    async person(handle) {
      const client = new Client(baseUrl);
      const reg = await client.post('/api/v1/accounts', { username: `u_${handle}`, password: PASSWORD });
      if (reg.status !== 201) throw new Error(`registration failed: ${reg.status} ${JSON.stringify(reg.body)}`);
      const created = await client.post('/api/v1/personas', { handle, displayName: handle.toUpperCase() });
      if (created.status !== 201) throw new Error(`persona creation failed: ${created.status} ${JSON.stringify(created.body)}`);
      const persona = await store.personas.findByHandle(handle);
      if (!persona) throw new Error('persona not stored');
      const cookie = [...client.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
      return { client, cookie, personaId: persona.id };
    },
    signal: (cookie) => SignalClient.connect(baseUrl, cookie),
    async close() {
      await built.closeSessions();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await built.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
