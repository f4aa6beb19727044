/**
 * A remote instance that misbehaves on command, for the peer-fault suite: a
 * {@link FakeRemote} (real HTTPS on its own loopback address, actors with
 * keys) that serves well while `mode` is `ok` (so followers can be set up)
 * and then answers every request, actor and key fetches and deliveries
 * alike, in one hostile way. It counts the deliveries (POSTs) that reach it
 * and how many were open at once.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { FakeRemote } from './fake-remote.js';
import type { TestCa } from './test-ca.js';

/**
 * - `hang`: accepts the request and never answers;
 * - `reset`: resets the connection (TCP RST);
 * - `slow`: answers one byte a second (a valid response, 100 s long);
 * - `error500`: answers 500, every time;
 * - `garbage`: answers bytes that are not HTTP;
 * - `huge`: answers 200 with an endless-looking ActivityPub document (8 MiB, chunked, no length).
 */
export type HostileMode = 'hang' | 'reset' | 'slow' | 'error500' | 'garbage' | 'huge';
export const HOSTILE_MODES: readonly HostileMode[] = ['hang', 'reset', 'slow', 'error500', 'garbage', 'huge'];

const SLOW_RESPONSE = 'HTTP/1.1 200 OK\r\ncontent-type: application/activity+json\r\ncontent-length: 2\r\n\r\n{}';
const HUGE_BYTES = 8 * 1024 * 1024;

export class HostilePeer {
  /** `ok` until the test turns it hostile. */
  mode: HostileMode | 'ok' = 'ok';
  /** Deliveries (POSTs) that reached it while hostile. */
  posts = 0;
  /** GETs (actor and key fetches) that reached it while hostile. */
  gets = 0;
  /** Requests open now, and the most open at once (while hostile). */
  open = 0;
  maxOpenPosts = 0;
  #openPosts = 0;
  readonly #timers = new Set<NodeJS.Timeout>();

  private constructor(readonly remote: FakeRemote) {}

  static async start(ca: TestCa, host: string, ip: string): Promise<HostilePeer> {
    const peer = new HostilePeer(await FakeRemote.start(ca, host, ip));
    peer.remote.route((req, res) => peer.#handle(req, res));
    return peer;
  }

  get origin(): string {
    return this.remote.origin;
  }

  #handle(req: IncomingMessage, res: ServerResponse): boolean {
    const mode = this.mode;
    if (mode === 'ok') return false;
    const post = req.method === 'POST';
    if (post) {
      this.posts += 1;
      this.#openPosts += 1;
      this.maxOpenPosts = Math.max(this.maxOpenPosts, this.#openPosts);
    } else this.gets += 1;
    this.open += 1;
    let ended = false;
    const end = (): void => {
      if (ended) return;
      ended = true;
      this.open -= 1;
      if (post) this.#openPosts -= 1;
    };
    res.once('close', end);
    const socket = req.socket;
    switch (mode) {
      case 'hang':
        return true;
      case 'reset':
        this.remote.reset(req);
        return true;
      case 'slow': {
        let i = 0;
        const timer = setInterval(() => {
          if (socket.destroyed || i >= SLOW_RESPONSE.length) {
            clearInterval(timer);
            this.#timers.delete(timer);
            return;
          }
          socket.write(SLOW_RESPONSE[i++] ?? '');
        }, 1000);
        this.#timers.add(timer);
        return true;
      }
      case 'error500':
        res.writeHead(500, { 'content-type': 'text/html' }).end('<h1>Internal Server Error</h1>');
        return true;
      case 'garbage':
        socket.end(randomBytes(4096));
        return true;
      case 'huge': {
        res.writeHead(200, { 'content-type': 'application/activity+json' });
        res.write(`{"id":"${this.origin}${req.url ?? '/'}","type":"Person","padding":"`);
        const chunk = Buffer.alloc(64 * 1024, 'x');
        let sent = 0;
        const more = (): void => {
          while (sent < HUGE_BYTES && !res.destroyed) {
            sent += chunk.length;
            if (!res.write(chunk)) {
              res.once('drain', more);
              return;
            }
          }
          if (!res.destroyed) res.end('"}');
        };
        more();
        return true;
      }
    }
  }

  close(): Promise<void> {
    for (const t of this.#timers) clearInterval(t);
    return this.remote.close();
  }
}
