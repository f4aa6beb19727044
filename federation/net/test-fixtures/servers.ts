/**
 * Real loopback HTTP(S) servers for the network tests, plus a silent logger.
 * Test-only helpers; nothing here listens beyond 127.0.0.1 / ::1.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { pino } from 'pino';
import type { Logger } from '../../../server/core/logging/logger.js';
import { TEST_SERVER_CERT, TEST_SERVER_KEY } from './tls-certs.js';

/** A request as the server saw it. */
export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: Buffer;
}

export interface TestServer {
  /** e.g. `http://127.0.0.1:41234` or `https://[::1]:41234` */
  readonly origin: string;
  readonly port: number;
  readonly requests: RecordedRequest[];
  /** Number of TCP connections accepted so far. */
  connections(): number;
  close(): Promise<void>;
}

export type Handler = (req: IncomingMessage, res: ServerResponse, body: Buffer) => void;

/** Starts a server on `host` (127.0.0.1 or ::1), plain or with the test certificate. */
export async function startServer(options: { host: '127.0.0.1' | '::1'; tls?: boolean; handler: Handler }): Promise<TestServer> {
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  let accepted = 0;
  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      options.handler(req, res, body);
    });
  };
  const server: Server =
    options.tls === true
      ? createHttpsServer({ cert: TEST_SERVER_CERT, key: TEST_SERVER_KEY }, listener)
      : createHttpServer(listener);
  server.on(options.tls === true ? 'secureConnection' : 'connection', () => (accepted += 1));
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const hostPart = options.host === '::1' ? '[::1]' : options.host;
  return {
    origin: `${options.tls === true ? 'https' : 'http'}://${hostPart}:${port}`,
    port,
    requests,
    connections: () => accepted,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        const timer = setTimeout(resolve, 2000);
        server.close(() => {
          clearTimeout(timer);
          resolve();
        });
      }),
  };
}

/** A logger that writes nothing, for constructing services in tests. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

/** Sends a JSON body with the given content type. */
export function sendJson(res: ServerResponse, value: unknown, contentType = 'application/activity+json'): void {
  const body = JSON.stringify(value);
  res.writeHead(200, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
