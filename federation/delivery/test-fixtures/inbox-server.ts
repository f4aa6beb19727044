/**
 * Test-only: real loopback HTTP servers acting as remote inboxes, with
 * scripted answers and a measure of how many requests are open at once.
 * Nothing here listens beyond 127.0.0.1.
 */
import { generateKeyPairSync } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import type { Logger } from '../../../server/core/logging/logger.js';
import { SafeFetcher } from '../../net/index.js';
import type { Clock } from '../types.js';
import { openTempStore, type TempStore } from '../../../test/helpers/temp-store.js';

/** A POST as the inbox received it. */
export interface ReceivedPost {
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  /** The status it was answered with; `undefined` while held or when never answered. */
  status?: number;
}

/** How to answer one request: a status (after an optional delay), or hold it open forever. */
export type Reply = { status: number; headers?: Record<string, string>; delayMs?: number } | 'hang';

/** Counts open requests across servers: the runner's global concurrency as seen from outside. */
export class ConcurrencyMeter {
  current = 0;
  max = 0;
  enter(): void {
    this.current += 1;
    this.max = Math.max(this.max, this.current);
  }
  leave(): void {
    this.current -= 1;
  }
}

export interface InboxServer {
  readonly origin: string;
  /** `origin/inbox`. */
  readonly inbox: string;
  /** `host:port`, the runner's host key. */
  readonly host: string;
  readonly posts: ReceivedPost[];
  /** Requests open at once on this server, at most. */
  readonly meter: ConcurrencyMeter;
  /** Replaces the answering script. */
  reply: (post: ReceivedPost, index: number) => Reply;
  close(): Promise<void>;
}

/** Starts an inbox on 127.0.0.1 answering by `reply`; `shared` also counts its open requests. */
export async function startInbox(reply: InboxServer['reply'], shared?: ConcurrencyMeter): Promise<InboxServer> {
  const sockets = new Set<Socket>();
  const meter = new ConcurrencyMeter();
  const server: Server = createServer((req, res) => {
    meter.enter();
    shared?.enter();
    let left = false;
    const leave = (): void => {
      if (left) return;
      left = true;
      meter.leave();
      shared?.leave();
    };
    res.on('close', leave);
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const post: ReceivedPost = { url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) };
      const index = inbox.posts.push(post) - 1;
      const answer = inbox.reply(post, index);
      if (answer === 'hang') return;
      const send = (): void => {
        post.status = answer.status;
        res.writeHead(answer.status, { 'content-length': '0', ...answer.headers });
        res.end();
      };
      if (answer.delayMs) setTimeout(send, answer.delayMs);
      else send();
    });
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  const inbox: InboxServer = {
    origin,
    inbox: `${origin}/inbox`,
    host: `127.0.0.1:${port}`,
    posts: [],
    meter,
    reply,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
  return inbox;
}

/** A clock that moves only when told to. */
export class ManualClock implements Clock {
  private ms: number;
  constructor(start: Date = new Date()) {
    this.ms = start.getTime();
  }
  now(): Date {
    return new Date(this.ms);
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}

/** Polls `predicate` every 10 ms; fails with `what` after `timeoutMs`. */
export async function waitFor(what: string, predicate: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`);
    await sleep(10);
  }
}

export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

/** A SafeFetcher that may reach loopback (test configuration only). */
export function loopbackFetcher(timeoutMs = 5000): SafeFetcher {
  return new SafeFetcher({ userAgent: 'hearth-test/1', log: silentLogger(), allowPrivate: ['127.0.0.0/8'], timeoutMs });
}

/** One RSA key pair per test process (generating one takes a while). */
let keys: { publicKeyPem: string; privateKeyPem: string } | undefined;
export function testKeys(): { publicKeyPem: string; privateKeyPem: string } {
  keys ??= (() => {
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    return {
      publicKeyPem: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      privateKeyPem: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    };
  })();
  return keys;
}

/** A fresh SQLite store in a temporary directory, reopenable, removed by `dispose`. */
export function tempStore(): Promise<TempStore> {
  return openTempStore({ prefix: 'hearth-delivery-', log: silentLogger() });
}
