import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '../config/index.js';
import type { Federation } from '../federation/index.js';
import type { MediaWorkerPool } from '../media/index.js';
import { buildInstance, type BuiltInstance } from './composition-root.js';
import type { Logger } from './core/logging/logger.js';
import type { Moderation } from './moderation/index.js';
import type { Rooms } from './rooms/index.js';
import type { Store } from './store/index.js';

/** A running instance: what main.ts and the tests hold on to. */
export interface Instance {
  readonly config: Config;
  readonly store: Store;
  readonly media: MediaWorkerPool;
  readonly federation: Federation;
  readonly rooms: Rooms;
  readonly moderation: Moderation;
  readonly server: http.Server | https.Server;
  /** The address actually bound (port 0 in tests picks a free one). */
  readonly address: AddressInfo;
  /** Stops accepting, closes rooms, media and store; resolves when all is flushed. */
  close(): Promise<void>;
}

/** A startup failure with a one-line message that says what to fix. */
export class StartupError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StartupError';
  }
}

/** The version in package.json, read once at boot. */
export function readVersion(): string {
  const pkgPath = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'package.json');
  const pkg = JSON.parse(fs.readFileSync(pkgPath, 'utf8')) as { version?: string };
  return pkg.version ?? '0.0.0';
}

function readTls(config: Config): { cert: Buffer; key: Buffer } | undefined {
  const { tlsCertFile, tlsKeyFile } = config.http;
  if (!tlsCertFile || !tlsKeyFile) return undefined;
  const read = (file: string, key: string): Buffer => {
    try {
      return fs.readFileSync(file);
    } catch (e) {
      throw new StartupError(`${key}: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? 'error'}); expected a readable PEM file`);
    }
  };
  return { cert: read(tlsCertFile, 'HEARTH_TLS_CERT'), key: read(tlsKeyFile, 'HEARTH_TLS_KEY') };
}

function listen(server: http.Server | https.Server, host: string, port: number): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException): void => {
      server.off('listening', onListening);
      const where = `${host}:${port}`;
      if (e.code === 'EADDRINUSE') reject(new StartupError(`port ${port} on ${host} is already in use; stop the other process or set HEARTH_PORT`));
      else if (e.code === 'EACCES') reject(new StartupError(`not allowed to listen on ${where}; use a port above 1023 or set HEARTH_PORT`));
      else if (e.code === 'EADDRNOTAVAIL' || e.code === 'ENOTFOUND') reject(new StartupError(`cannot listen on host ${host} (${e.code}); set HEARTH_HOST to an address of this machine`));
      else reject(new StartupError(`cannot listen on ${where}: ${e.message}`, { cause: e }));
    };
    const onListening = (): void => {
      server.off('error', onError);
      resolve(server.address() as AddressInfo);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
}

/**
 * Boots an instance. The port is bound first, before the store is opened:
 * a port already in use stops the process before anything could be written.
 * Until the rest is up, requests get 503. Then the composition root builds
 * and wires the modules (composition-root.ts). A failure at any step closes
 * what was opened.
 */
export async function startInstance(config: Config, log: Logger): Promise<Instance> {
  const version = readVersion();
  const tls = readTls(config);
  let handler: http.RequestListener = (_req, res) => {
    res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' });
    res.end(JSON.stringify({ error: 'starting', message: 'the server is starting; retry in a moment' }));
  };
  let server: http.Server | https.Server;
  try {
    const dispatch: http.RequestListener = (req, res) => handler(req, res);
    server = tls ? https.createServer(tls, dispatch) : http.createServer(dispatch);
  } catch (e) {
    throw new StartupError(`HEARTH_TLS_CERT/HEARTH_TLS_KEY: not a usable certificate and key (${(e as Error).message})`, { cause: e });
  }
  server.keepAliveTimeout = 5_000;
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  const address = await listen(server, config.http.host, config.http.port);

  let built: BuiltInstance;
  try {
    built = await buildInstance(config, { log, version });
  } catch (e) {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    throw e;
  }
  const { store, media, federation, rooms, moderation, app } = built;
  handler = app;
  built.attach(server);
  log.info({ host: config.http.host, port: address.port, publicUrl: config.http.publicUrl, store: store.kind, mediaWorkers: media.aliveCount(), version }, 'listening');

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      // WebSockets are not idle HTTP connections: close them (and the rooms) first.
      await built.closeSessions();
      server.closeIdleConnections();
      // In-flight requests get a short grace period, then their sockets are cut.
      const grace = setTimeout(() => {
        for (const s of sockets) s.destroy();
      }, 3_000);
      await stopped;
      clearTimeout(grace);
      await built.close();
      log.info('stopped');
    })();
    return closing;
  };

  return { config, store, media, federation, rooms, moderation, server, address, close };
}
