/**
 * A forged linked instance that speaks the cascade link protocol to a host
 * directly (docs/protocol notes on links): a link request signed by a fake
 * peer's actor, and the link's control channel, with requests by id and the
 * events the host sends. No pipe listens: the host only records its address.
 */
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { signRequest } from '../../federation/signatures/index.js';
import type { FakeActor } from './fake-remote.js';
import type { JsonResponse, TestClient } from './http-client.js';
import { waitFor } from './server-process.js';

/** Pipe parameters of the forged instance (nothing listens there). */
export const fakePipe = (): { ip: string; port: number; srtpParameters: { cryptoSuite: string; keyBase64: string } } =>
  ({ ip: '127.0.0.9', port: 40999, srtpParameters: { cryptoSuite: 'AEAD_AES_256_GCM', keyBase64: randomBytes(44).toString('base64') } });

/** POSTs a link request to a room's join endpoint, signed by `signer` (unsigned when null). */
export function requestLink(client: TestClient, joinEndpoint: string, body: Record<string, unknown>, signer: FakeActor | null): Promise<JsonResponse> {
  const text = JSON.stringify(body);
  const headers = { 'content-type': 'application/json' };
  const signed = signer ? signRequest({ method: 'POST', url: joinEndpoint, headers, body: text, keyId: signer.keyId, privateKeyPem: signer.privateKeyPem }) : {};
  return client.request('POST', joinEndpoint, text, { ...headers, ...signed });
}

/** A WebSocket to a link's control URL with its bearer token; the host name resolves to `tls.ip`, the run's CA is trusted. */
export function controlSocket(control: string, token: string, tls: { ca: string; ip: string }): WebSocket {
  const lookup = (_h: string, o: { all?: boolean }, cb: (...args: unknown[]) => void): void => (o.all ? cb(null, [{ address: tls.ip, family: 4 }]) : cb(null, tls.ip, 4));
  return new WebSocket(control, { headers: { authorization: `Bearer ${token}` }, ca: tls.ca, lookup: lookup as never });
}

/** The host's answer to one control message. */
export interface LinkReply {
  ok: boolean;
  data?: Record<string, unknown> | null;
  error?: { code: string; message?: string };
}

/** An event the host sent over the control channel (`to`, `departed`, `producer`, `closed`...). */
export interface LinkEvent {
  event: string;
  data: Record<string, unknown>;
}

/** The open control channel of an accepted link. */
export class ForgedControl {
  readonly ws: WebSocket;
  readonly replies = new Map<string, LinkReply>();
  readonly events: LinkEvent[] = [];

  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.on('message', (d: Buffer) => {
      const m = JSON.parse(d.toString()) as { id?: string; ok?: boolean; data?: Record<string, unknown> | null; error?: { code: string; message?: string }; event?: string };
      if (m.id) this.replies.set(m.id, { ok: m.ok ?? false, ...(m.data !== undefined ? { data: m.data } : {}), ...(m.error ? { error: m.error } : {}) });
      if (m.event) this.events.push({ event: m.event, data: m.data ?? {} });
    });
  }

  /** Opens the control channel of a link answer (`control`, `token`); resolves once it is open. */
  static async open(answer: { control: string; token: string }, tls: { ca: string; ip: string }): Promise<ForgedControl> {
    const control = new ForgedControl(controlSocket(answer.control, answer.token, tls));
    await new Promise((resolve, reject) => {
      control.ws.once('open', resolve);
      control.ws.once('error', reject);
    });
    return control;
  }

  /** Sends a message with request id `id` and resolves with the host's answer (3 s at most). */
  ask(id: string, msg: Record<string, unknown>): Promise<LinkReply> {
    this.ws.send(JSON.stringify({ id, ...msg }));
    return waitFor(() => this.replies.get(id), 3_000, `answer ${id}`);
  }

  /** The `departed` events so far (participant id and reason). */
  departures(): { participantId: string; reason: string }[] {
    return this.events.filter((e) => e.event === 'departed').map((e) => e.data as { participantId: string; reason: string });
  }

  close(): void {
    this.ws.close();
  }
}
