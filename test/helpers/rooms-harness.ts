/**
 * An app with the accounts and rooms routers on a real SQLite store and a
 * real mediasoup worker pool, listening on 127.0.0.1 with the signaling
 * WebSocket attached.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, type Config } from '../../config/index.js';
import { MediaWorkerPool } from '../../media/index.js';
import { PersonaHooks, createAccountsRouter } from '../../server/accounts/index.js';
import { createApp } from '../../server/http/app.js';
import { createLogger } from '../../server/logging/logger.js';
import { createModeration, type Moderation } from '../../server/moderation/index.js';
import { createRooms, type Rooms, type RoomsDeps } from '../../server/rooms/index.js';
import { openStore, type Store } from '../../server/store/index.js';
import { Client, PASSWORD } from './accounts-harness.js';
import { StandinPersonaFederation } from './standin-persona-federation.js';
import { SignalClient } from './signal-client.js';

export interface RoomsHarness {
  baseUrl: string;
  config: Config;
  store: Store;
  media: MediaWorkerPool;
  rooms: Rooms;
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
  options?: RoomsDeps['options'];
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
  const store = await openStore({ dataDir, log });
  const media = new MediaWorkerPool({
    size: config.media.workers, logLevel: 'warn', rtcMinPort: config.media.rtcMinPort, rtcMaxPort: config.media.rtcMaxPort, log,
    restartBackoff: { initialMs: 100, maxMs: 500 },
  });
  try {
    await media.start();
  } catch (e) {
    server.close();
    await store.close();
    throw e;
  }
  const hooks = new PersonaHooks();
  const federation = new StandinPersonaFederation(config.http.publicUrl);
  const moderation = createModeration({ config, store, log, hooks, refreshMs: 200 });
  await moderation.load();
  const rooms = createRooms({
    config, store, media, log, hooks, ...(opts.options ? { options: opts.options } : {}),
    createLimit: moderation.limits.middleware('rooms'),
    hiddenHost: async (personaId) => {
      const persona = await store.personas.findById(personaId);
      return persona !== undefined && moderation.suspensions.isSuspended(persona.accountId);
    },
  });
  await rooms.ready;
  moderation.connect({ rooms: rooms.moderation });
  const app = createApp({
    log, trustProxy: 0,
    health: { version: 'test', storeKind: store.kind, pingStore: () => store.ping(), mediaWorkersAlive: () => media.aliveCount() },
    routers: [
      createAccountsRouter({ config, store, federation, log, hooks, registrationMode: () => moderation.settings.value.registration }),
      moderation.router,
      rooms.router,
    ],
  });
  server.on('request', app);
  rooms.attach(server);

  return {
    baseUrl, config, store, media, rooms, hooks, moderation,
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
      moderation.close();
      await rooms.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await media.close();
      await store.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
