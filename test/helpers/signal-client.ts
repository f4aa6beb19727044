/**
 * A Node-side signaling client (ws) for protocol and stage tests: requests
 * with ids, answers matched by id, events kept in order and awaitable.
 */
import WebSocket from 'ws';

export type SignalAnswer = { id: string | number | null; ok: true; data: Record<string, unknown> } | { id: string | number | null; ok: false; error: { code: string; message: string } };
export interface SignalEvent {
  event: string;
  data: Record<string, unknown>;
}

export class SignalClient {
  readonly events: SignalEvent[] = [];
  readonly answers: SignalAnswer[] = [];
  /** Every message, events and answers, in the order received. */
  readonly received: (SignalEvent | SignalAnswer)[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  #next = 0;
  #waiters = new Set<() => void>();

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      const msg = JSON.parse(data.toString()) as SignalEvent | SignalAnswer;
      this.received.push(msg);
      if ('event' in msg) this.events.push(msg);
      else this.answers.push(msg);
      for (const w of [...this.#waiters]) w();
    });
    this.closed = new Promise((resolve) => ws.once('close', (code, reason) => {
      for (const w of [...this.#waiters]) w();
      resolve({ code, reason: reason.toString() });
    }));
  }

  /**
   * Opens a signaling connection. `tls` is for instances under test host
   * names over HTTPS: the test CA to trust and the loopback address the host maps to
   * (and, optionally, the local address to connect from).
   */
  static connect(baseUrl: string, cookie?: string, headers: Record<string, string> = {}, tls?: { ca: string; ip: string; localAddress?: string }): Promise<SignalClient> {
    const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/api/v1/signal`, {
      headers: { ...(cookie ? { cookie } : {}), ...headers },
      ...(tls ? {
        ca: tls.ca,
        // A client address of its own (a loopback address), to tell clients from instances.
        ...(tls.localAddress ? { localAddress: tls.localAddress } : {}),
        lookup: (_host: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
          if (options.all) callback(null, [{ address: tls.ip, family: 4 }]);
          else callback(null, tls.ip, 4);
        },
      } : {}),
    });
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new SignalClient(ws)));
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    });
  }

  /** Sends raw text (or a buffer) as one frame. */
  sendRaw(data: string | Buffer): void {
    this.ws.send(data);
  }

  /** Sends a request and resolves with its answer. */
  request(type: string, fields: Record<string, unknown> = {}, timeoutMs = 5_000): Promise<SignalAnswer> {
    const id = `r${++this.#next}`;
    this.ws.send(JSON.stringify({ id, type, ...fields }));
    return this.wait(() => this.answers.find((a) => a.id === id), timeoutMs, `answer to ${type}`);
  }

  /** Like request, but fails unless the answer is ok; resolves with its data. */
  async ok(type: string, fields: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    const answer = await this.request(type, fields);
    if (!answer.ok) throw new Error(`${type} refused: ${answer.error.code} (${answer.error.message})`);
    return answer.data;
  }

  /** The first event (from index `from`) matching, waiting for it. */
  event(name: string, match: (data: Record<string, unknown>) => boolean = () => true, timeoutMs = 5_000, from = 0): Promise<SignalEvent> {
    return this.wait(() => this.events.slice(from).find((e) => e.event === name && match(e.data)), timeoutMs, `event ${name}`);
  }

  /**
   * The room as the events so far make it: the latest `room` event with the
   * `roomCounts` events after it applied (as a client keeps it); undefined before any.
   */
  currentRoom(): Record<string, unknown> | undefined {
    let room: Record<string, unknown> | undefined;
    for (const e of this.events) {
      if (e.event === 'room') room = e.data;
      else if (e.event === 'roomCounts' && room) {
        const { roomId: _roomId, ...counts } = e.data;
        room = { ...room, ...counts };
      }
    }
    return room;
  }

  /** The current room state (see currentRoom), once it matches. */
  room(match: (room: Record<string, unknown>) => boolean, timeoutMs = 5_000): Promise<Record<string, unknown>> {
    return this.wait(() => {
      const room = this.currentRoom();
      return room && match(room) ? room : undefined;
    }, timeoutMs, 'room state');
  }

  wait<T>(find: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const found = find();
        if (found !== undefined) {
          done();
          resolve(found);
        } else if (this.ws.readyState === WebSocket.CLOSED) {
          done();
          reject(new Error(`connection closed while waiting for ${what}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        this.#waiters.delete(check);
      };
      this.#waiters.add(check);
      check();
    });
  }

  close(): void {
    this.ws.close();
  }
}
