/**
 * One attempt at a cascade link, from the linking instance's side: the
 * pipe, the signed link request to the room's join endpoint, and the control
 * channel (a WebSocket to the host, opened with the answer's one-time token).
 * Requests over the channel are answered by id; events are parsed here and
 * handed on typed. A RemoteRoom opens a new LinkChannel whenever its link
 * broke.
 */
import WebSocket from 'ws';
import { z } from 'zod';
import { CascadePipe, type PipedProducer, type RoomMedia } from '../../media/index.js';
import { err, ok, type Result } from '../../server/core/result.js';
import type { RoomOpError } from '../../server/rooms/index.js';
import { watchLiveness } from './heartbeat.js';
import { LINK_CLOSE_CODES, pipeEndpoint, pipedProducer, type LinkCloseReason, type LinkMessage, type LinkRequest } from './link-protocol.js';

/** Events of the host on the control channel. */
export type LinkEvent =
  | { event: 'producer'; data: { participantId: string; producer: PipedProducer } }
  | { event: 'producerClosed'; data: { producerId: string } }
  | { event: 'producerPaused'; data: { producerId: string; paused: boolean } }
  | { event: 'departed'; data: { participantId: string; reason: string } }
  | { event: 'to'; data: { participantId: string; payload: Record<string, unknown> } }
  | { event: 'closed'; data: { reason: string } };

const linkEvent = z.discriminatedUnion('event', [
  z.object({ event: z.literal('producer'), data: z.object({ participantId: z.string().max(2048), producer: pipedProducer }) }),
  z.object({ event: z.literal('producerClosed'), data: z.object({ producerId: z.string().max(100) }) }),
  z.object({ event: z.literal('producerPaused'), data: z.object({ producerId: z.string().max(100), paused: z.boolean() }) }),
  z.object({ event: z.literal('departed'), data: z.object({ participantId: z.string().max(2048), reason: z.string().max(50) }) }),
  // A participant event of the host's rooms module (ParticipantEvent: `kind` and its fields).
  z.object({ event: z.literal('to'), data: z.object({ participantId: z.string().max(2048), payload: z.looseObject({ kind: z.string().max(50) }) }) }),
  z.object({ event: z.literal('closed'), data: z.object({ reason: z.string().max(50) }) }),
]);

const linkAnswer = z.object({ type: z.literal('LinkAnswer'), link: z.string().max(100), control: z.string().max(2048), token: z.string().max(200), pipe: pipeEndpoint });

export interface LinkChannelDeps {
  joinEndpoint: string;
  listenIp: string;
  announcedIp?: string | undefined;
  /** POSTs JSON signed by the instance actor through the safe client; null when the host cannot be reached. */
  post(url: string, body: string): Promise<{ status: number; body: string } | null>;
  onEvent(e: LinkEvent): void;
  /** The channel closed without close() (the reason the host gave, or `lost`). */
  onDown(reason: string): void;
  requestTimeoutMs?: number;
}

type Answer = Result<unknown, { code: string; message: string }>;
const REASONS = new Map(Object.entries(LINK_CLOSE_CODES).map(([k, v]) => [v, k as LinkCloseReason]));

export class LinkChannel {
  readonly #deps: LinkChannelDeps;
  #pipe: CascadePipe | undefined;
  #ws: WebSocket | undefined;
  #next = 0;
  readonly #pending = new Map<string, (a: Answer) => void>();
  #closed = false;

  constructor(deps: LinkChannelDeps) {
    this.#deps = deps;
  }

  get closed(): boolean {
    return this.#closed;
  }

  get pipe(): CascadePipe {
    if (!this.#pipe) throw new Error('link channel not open');
    return this.#pipe;
  }

  async open(media: RoomMedia, roomId: string, actor: string | null): Promise<Result<null, RoomOpError>> {
    const pipe = await CascadePipe.open(media, { listenIp: this.#deps.listenIp, announcedIp: this.#deps.announcedIp });
    this.#pipe = pipe;
    const body: LinkRequest = { type: 'LinkRequest', room: roomId, actor, pipe: pipe.local };
    const res = await this.#deps.post(this.#deps.joinEndpoint, JSON.stringify(body));
    const fail = (code: string, message: string): Result<null, RoomOpError> => {
      this.close();
      return err({ kind: 'remote_refused', code, message });
    };
    if (!res) return fail('remote_unavailable', 'the room\'s instance cannot be reached');
    let parsed: unknown;
    try {
      parsed = JSON.parse(res.body);
    } catch {
      parsed = undefined;
    }
    if (res.status !== 201) {
      const e = parsed as { error?: unknown; message?: unknown } | undefined;
      if (res.status === 404) {
        this.close();
        return err({ kind: 'room_not_found' });
      }
      return fail(typeof e?.error === 'string' ? e.error.slice(0, 50) : `status_${res.status}`, typeof e?.message === 'string' ? e.message.slice(0, 200) : 'refused');
    }
    const answer = linkAnswer.safeParse(parsed);
    if (!answer.success) return fail('bad_answer', 'the link answer was malformed');
    const control = new URL(answer.data.control);
    if (control.host !== new URL(this.#deps.joinEndpoint).host || control.protocol !== (this.#deps.joinEndpoint.startsWith('https:') ? 'wss:' : 'ws:')) {
      return fail('bad_answer', 'the control channel is not on the room\'s origin');
    }
    if (!(await pipe.connect(answer.data.pipe)).ok) return fail('bad_answer', 'the host\'s pipe endpoint was refused');
    const ws = new WebSocket(control, { headers: { authorization: `Bearer ${answer.data.token}` }, maxPayload: 1024 * 1024 });
    const opened = await new Promise<boolean>((resolve) => {
      ws.once('open', () => resolve(true));
      ws.once('error', () => resolve(false));
      ws.once('unexpected-response', () => resolve(false));
    });
    if (!opened) return fail('remote_unavailable', 'the control channel could not be opened');
    this.#ws = ws;
    ws.on('error', () => undefined);
    ws.on('message', (data: Buffer) => this.#receive(data));
    let unresponsive = false;
    ws.on('close', (code) => {
      for (const resolve of this.#pending.values()) resolve(err({ code: 'link_lost', message: 'the link closed' }));
      this.#pending.clear();
      if (!this.#closed) this.#deps.onDown(unresponsive ? 'unresponsive' : REASONS.get(code) ?? 'lost');
    });
    // A host that stalls keeps the connection open: the heartbeat finds it, and the room opens a new link.
    watchLiveness(ws, () => {
      unresponsive = true;
      ws.terminate();
    });
    return ok(null);
  }

  /** Sends a message and resolves with the host's answer. */
  request(msg: DistributiveOmit<LinkMessage, 'id'>): Promise<Answer> {
    const ws = this.#ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return Promise.resolve(err({ code: 'link_lost', message: 'the link is not open' }));
    const id = `l${++this.#next}`;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        resolve(err({ code: 'timeout', message: 'the host did not answer' }));
      }, this.#deps.requestTimeoutMs ?? 10_000);
      this.#pending.set(id, (a) => {
        clearTimeout(timer);
        resolve(a);
      });
      ws.send(JSON.stringify({ id, ...msg }));
    });
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#pipe?.close();
    if (this.#ws && this.#ws.readyState <= WebSocket.OPEN) this.#ws.close(1000, 'closed');
  }

  #receive(data: Buffer): void {
    let raw: unknown;
    try {
      raw = JSON.parse(data.toString('utf8'));
    } catch {
      return;
    }
    if (typeof raw !== 'object' || raw === null) return;
    const answer = raw as { id?: unknown; ok?: unknown; data?: unknown; error?: { code?: unknown; message?: unknown } };
    const text = (v: unknown, fallback: string): string => (typeof v === 'string' ? v : fallback);
    if (typeof answer.id === 'string' && typeof answer.ok === 'boolean') {
      const resolve = this.#pending.get(answer.id);
      this.#pending.delete(answer.id);
      resolve?.(answer.ok ? ok(answer.data) : err({ code: text(answer.error?.code, 'error'), message: text(answer.error?.message, '') }));
      return;
    }
    const event = linkEvent.safeParse(raw);
    if (event.success) this.#deps.onEvent(event.data as LinkEvent);
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
