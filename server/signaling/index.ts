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
import type { AuthContext } from '../accounts/index.js';
import type { RoomService } from '../rooms/index.js';
import { PeerSession, type PeerIdentity } from './peer-session.js';
import { CLOSE_CODES, MAX_FRAME_BYTES, SIGNAL_PATH } from './protocol.js';
import { DEFAULT_SIGNAL_LIMITS, type SignalLimits } from './rate-limit.js';

export { CLOSE_CODES, MAX_MESSAGE_BYTES, SIGNAL_PATH, clientMessage, type ClientMessage, type SignalErrorCode } from './protocol.js';
export { DEFAULT_SIGNAL_LIMITS, TokenBucket, type SignalLimits } from './rate-limit.js';

export interface SignalingDeps {
  rooms: RoomService;
  /** Who the Cookie header belongs to. */
  sessionOf(cookieHeader: string | undefined): Promise<AuthContext | undefined>;
  publicUrl: string;
  log: Logger;
  limits?: SignalLimits;
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

  const onUpgrade = (req: http.IncomingMessage, socket: Duplex, head: Buffer): void => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== SIGNAL_PATH) return refuse(socket, 404, 'Not Found');
    // A page on another site must not ride on the user's cookie (cross-site WebSocket hijacking).
    const given = req.headers.origin;
    if (given !== undefined && given !== origin) return refuse(socket, 403, 'Forbidden');
    deps.sessionOf(req.headers.cookie).then(
      (auth) => {
        const identity: PeerIdentity = auth?.persona
          ? { kind: 'persona', personaId: auth.persona.id, handle: auth.persona.handle, displayName: auth.persona.displayName }
          : { kind: 'guest', guestId: `guest:${randomBytes(12).toString('base64url')}` };
        wss.handleUpgrade(req, socket, head, (ws) => connected(ws, identity));
      },
      (error: unknown) => {
        log.error({ err: error }, 'resolving the session of a signaling connection failed');
        refuse(socket, 500, 'Internal Server Error');
      },
    );
  };

  const connected = (ws: WebSocket, identity: PeerIdentity): void => {
    const session = new PeerSession(ws, identity, { rooms: deps.rooms, log, limits });
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

  const servers: (http.Server | https.Server)[] = [];
  return {
    attach(server) {
      servers.push(server);
      server.on('upgrade', onUpgrade);
    },
    async close() {
      clearInterval(ping);
      for (const server of servers) server.off('upgrade', onUpgrade);
      for (const ws of sessions.keys()) ws.close(CLOSE_CODES.shutdown, 'server shutting down');
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      for (const ws of sessions.keys()) ws.terminate();
    },
  };
}
