/**
 * The signaling WebSocket at {@link SIGNAL_PATH}: authenticated by the session
 * cookie (no cookie: an anonymous guest, who may only join public rooms).
 * Protocol: docs/protocol/signaling.md.
 */
import { randomBytes } from 'node:crypto';
import type http from 'node:http';
import type https from 'node:https';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { WebSocketServer, type WebSocket } from 'ws';
import type { AuthContext, PersonaHooks } from '../accounts/index.js';
import type { LiveRoomDirectory } from '../rooms/index.js';
import { Admission, clientKeyOf, type AdmissionLimits } from './admission.js';
import { PeerSession, type CurrentIdentity, type PeerIdentity } from './peer-session.js';
import { CLOSE_CODES, MAX_FRAME_BYTES, SIGNAL_PATH } from './protocol.js';
import { DEFAULT_SIGNAL_LIMITS, type SignalLimits } from './rate-limit.js';

export { CLOSE_CODES, MAX_MESSAGE_BYTES, SIGNAL_PATH, clientMessage, type ClientMessage, type SignalErrorCode } from './protocol.js';
export { DEFAULT_SIGNAL_LIMITS, TokenBucket, type SignalLimits } from './rate-limit.js';
export type { AdmissionLimits } from './admission.js';
export type { ServerEvent } from './events.js';

export interface SignalingDeps {
  rooms: LiveRoomDirectory;
  /** Who the Cookie header belongs to. */
  sessionOf(cookieHeader: string | undefined): Promise<AuthContext | undefined>;
  publicUrl: string;
  log: Logger;
  limits?: SignalLimits;
  /** Connection and transport limits per client; none when omitted (tests of other things). */
  admission?: AdmissionLimits;
  /** Reverse proxies whose X-Forwarded-For is trusted (as `http.trustProxy`). */
  trustProxy?: number;
  /** Transports open on the whole instance (for the admission limits). */
  transportTotal?: () => number;
  /** Session and persona changes, which reach open connections at once. */
  hooks?: Pick<PersonaHooks, 'onSessionsChanged' | 'onPersonaDeleted'>;
}

/** Keepalive: a peer that does not answer a ping within this is cut. */
const PING_EVERY_MS = 30_000;

export interface Signaling {
  attach(server: http.Server | https.Server): void;
  /** Closes every connection (1001) and stops accepting. */
  close(): Promise<void>;
}

function refuse(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}

export function createSignaling(deps: SignalingDeps): Signaling {
  const log = deps.log.child({ module: 'signaling' });
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });
  const origin = new URL(deps.publicUrl).origin;
  const sessions = new Map<WebSocket, PeerSession>();
  const alive = new WeakSet<WebSocket>();
  const limits = deps.limits ?? DEFAULT_SIGNAL_LIMITS;
  const admission = deps.admission
    ? new Admission(deps.admission, () => sessions.values(), deps.transportTotal ?? (() => 0))
    : undefined;

  const onUpgrade = (req: http.IncomingMessage, socket: Duplex, head: Buffer): void => {
    const path = (req.url ?? '').split('?')[0];
    // Cascade links' control channels have their own upgrade listener (federation/links).
    if (path?.startsWith('/api/v1/links/')) return;
    if (path !== SIGNAL_PATH) return refuse(socket, 404, 'Not Found');
    // A page on another site must not ride on the user's cookie (cross-site WebSocket hijacking).
    const given = req.headers.origin;
    if (given !== undefined && given !== origin) return refuse(socket, 403, 'Forbidden');
    deps.sessionOf(req.headers.cookie).then(
      (auth) => {
        const identity: PeerIdentity = auth?.persona
          ? { kind: 'persona', accountId: auth.account.id, personaId: auth.persona.id, handle: auth.persona.handle, displayName: auth.persona.displayName }
          : { kind: 'guest', guestId: `guest:${randomBytes(12).toString('base64url')}` };
        const cookie = req.headers.cookie;
        const current = async (): Promise<string | null | undefined> => {
          const now = await deps.sessionOf(cookie);
          return now ? (now.persona?.id ?? null) : undefined;
        };
        const clientKey = clientKeyOf(req, deps.trustProxy ?? 0);
        const admitted = admission?.connect(clientKey, identity.kind === 'persona' ? identity.accountId : null);
        wss.handleUpgrade(req, socket, head, (ws) => {
          // Refused after the upgrade, so that a browser sees why (an HTTP refusal reads as a network error).
          if (admitted && !admitted.ok) return ws.close(CLOSE_CODES.tooManyConnections, admitted.error.reason);
          connected(ws, identity, current, clientKey);
        });
      },
      (error: unknown) => {
        log.error({ err: error }, 'resolving the session of a signaling connection failed');
        refuse(socket, 500, 'Internal Server Error');
      },
    );
  };

  const connected = (ws: WebSocket, identity: PeerIdentity, current: CurrentIdentity, clientKey: string): void => {
    const session = new PeerSession(ws, identity, { rooms: deps.rooms, log, limits, current, clientKey, ...(admission ? { admission } : {}) });
    sessions.set(ws, session);
    alive.add(ws);
    ws.on('pong', () => alive.add(ws));
    ws.on('message', (data, isBinary) => session.receive(Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer), isBinary));
    ws.on('error', (error) => log.debug({ error: error.message }, 'signaling socket error'));
    ws.on('close', () => {
      sessions.delete(ws);
      session.leave().catch((error: unknown) => log.error({ err: error }, 'leaving the room after a disconnect failed'));
    });
  };

  const ping = setInterval(() => {
    for (const ws of sessions.keys()) {
      if (!alive.has(ws)) {
        ws.terminate();
        continue;
      }
      alive.delete(ws);
      ws.ping();
    }
  }, PING_EVERY_MS);
  ping.unref();

  // A change of a session or persona reaches its open connections before the change is answered.
  const revokeAll = async (match: (s: PeerSession) => boolean, act: (s: PeerSession) => Promise<unknown>): Promise<void> => {
    const hit = [...sessions.values()].filter(match);
    const done = await Promise.allSettled(hit.map(act));
    for (const r of done) if (r.status === 'rejected') log.error({ err: r.reason }, 'revoking a signaling connection failed');
  };
  const unsubscribe = deps.hooks
    ? [
      deps.hooks.onSessionsChanged(({ accountId }) => revokeAll((s) => s.accountId === accountId, (s) => s.stillValid())),
      deps.hooks.onPersonaDeleted(({ personaId }) =>
        revokeAll((s) => s.personaId === personaId, (s) => s.revoke(CLOSE_CODES.personaDeleted, 'persona deleted'))),
    ]
    : [];

  const servers: (http.Server | https.Server)[] = [];
  return {
    attach(server) {
      servers.push(server);
      server.on('upgrade', onUpgrade);
    },
    async close() {
      clearInterval(ping);
      for (const off of unsubscribe) off();
      for (const server of servers) server.off('upgrade', onUpgrade);
      for (const ws of sessions.keys()) ws.close(CLOSE_CODES.shutdown, 'server shutting down');
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      for (const ws of sessions.keys()) ws.terminate();
    },
  };
}
