/**
 * The host's side of cascade links: the signed link request at each room's
 * join endpoint (POST /rooms/:id/join), the control channel's WebSocket
 * upgrade, and the registry of open links (one per room per linking
 * instance). Order of checks: admin setting, rate limit per host, HTTP
 * signature, body, signer and persona on one origin, domain standing, room
 * (exists, not invite-only, live), persona (followers-only, bans), link cap;
 * only then is a pipe opened. Every refusal is a status and an error code;
 * nothing in the room changes.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import express, { Router, type Request } from 'express';
import type { Logger } from 'pino';
import { WebSocketServer } from 'ws';
import { CascadePipe } from '../../media/index.js';
import { hostOnDomain } from '../../server/core/domains.js';
import { sendError } from '../../server/core/http-errors.js';
import type { LeaveReason, LiveRoom } from '../../server/rooms/index.js';
import type { RemoteActors } from '../actors/remote-actors.js';
import { HostRateLimiter } from '../http/host-rate-limiter.js';
import { DEFAULT_INBOX_KEY_LIMITS, InboxKeys } from '../http/inbox-keys.js';
import { verifyRequest } from '../signatures/index.js';
import { HostedLink, type HostedLinkRooms } from './hosted-link.js';
import { CONTROL_TOKEN_TTL_MS, LINK_CONTROL_PATH, linkRequest, type LinkAnswer, type LinkCloseReason } from './link-protocol.js';

/** What the host side needs of the rooms module. */
export interface LinkHostRooms extends HostedLinkRooms {
  live(roomId: string): LiveRoom | undefined;
  /** The stored room's state and visibility, or undefined. */
  record(roomId: string): Promise<{ state: 'scheduled' | 'live' | 'ended'; visibility: string } | undefined>;
}

export interface LinkHostSettings {
  /** Accept links from other instances at all. */
  incoming: boolean;
  /** Most links one room may have. */
  maxPerRoom: number;
  /** Link requests accepted per linking host per minute. */
  requestsPerHostPerMinute: number;
  listenIp: string;
  announcedIp?: string | undefined;
}

export interface LinkHostDeps {
  publicUrl: string;
  https: boolean;
  remote: RemoteActors;
  rooms: () => LinkHostRooms | undefined;
  settings: LinkHostSettings;
  log: Logger;
  /** Instances this server refuses (moderation). */
  isBlockedHost?: (host: string) => boolean;
}

type RawRequest = Request & { rawBody?: Buffer };

export class LinkHost {
  readonly #links = new Map<string, HostedLink>();
  readonly #tokens = new Map<string, { token: Buffer; until: number }>();
  readonly #deps: LinkHostDeps;
  readonly #log: Logger;
  readonly #limiter: HostRateLimiter;
  readonly #keys: InboxKeys;
  readonly #wss = new WebSocketServer({ noServer: true, maxPayload: 256 * 1024 });

  constructor(deps: LinkHostDeps) {
    this.#deps = deps;
    this.#log = deps.log.child({ module: 'federation.links' });
    this.#limiter = new HostRateLimiter(deps.settings.requestsPerHostPerMinute, 60_000);
    this.#keys = new InboxKeys(deps.remote, DEFAULT_INBOX_KEY_LIMITS, (host) => deps.isBlockedHost?.(host) ?? false);
  }

  /** Open links (tests, stats, moderation). */
  links(roomId?: string): HostedLink[] {
    return [...this.#links.values()].filter((l) => roomId === undefined || l.roomId === roomId);
  }

  /**
   * Moderation: closes every link of a domain (host, or host:port) and
   * removes its participants from every room with `reason`.
   */
  async closeDomain(domain: string, reason: LeaveReason = 'removed'): Promise<number> {
    const hit = [...this.#links.values()].filter((l) => originOnDomain(l.origin, domain));
    for (const link of hit) await link.removeAll(reason, 'blocked');
    return hit.length;
  }

  close(): void {
    for (const link of [...this.#links.values()]) link.close('server_shutdown');
    this.#wss.close();
  }

  router(): Router {
    const router = Router();
    const parse = express.json({
      type: () => true,
      limit: '16kb',
      strict: true,
      verify: (req, _res, buf) => {
        (req as RawRequest).rawBody = Buffer.from(buf);
      },
    });
    router.post('/rooms/:id/join', parse, (req, res, next) => {
      this.#request(req as RawRequest, String(req.params.id)).then(({ status, body }) => {
        if (status >= 400) {
          const b = body as { error: string; message: string };
          sendError(res, status, b.error, b.message);
        } else res.status(status).json(body);
      }, next);
    });
    router.all('/rooms/:id/join', (_req, res) => sendError(res, 405, 'method_not_allowed', 'send a signed POST with a LinkRequest'));
    return router;
  }

  /** The control channel's upgrade; false when the path is not a link's. */
  upgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const path = (req.url ?? '').split('?')[0] ?? '';
    if (!path.startsWith(LINK_CONTROL_PATH)) return false;
    const id = path.slice(LINK_CONTROL_PATH.length);
    const link = this.#links.get(id);
    const expected = this.#tokens.get(id);
    const given = /^Bearer ([A-Za-z0-9_-]{20,100})$/.exec(req.headers.authorization ?? '')?.[1];
    const refuse = (status: number, text: string): void => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    };
    if (!link || !expected || !given) {
      refuse(link ? 401 : 404, link ? 'Unauthorized' : 'Not Found');
      return true;
    }
    const buf = Buffer.from(given);
    if (expected.until < Date.now() || buf.length !== expected.token.length || !timingSafeEqual(buf, expected.token)) {
      refuse(401, 'Unauthorized');
      return true;
    }
    // The token opens the channel once.
    this.#tokens.delete(id);
    this.#wss.handleUpgrade(req, socket, head, (ws) => link.attach(ws));
    return true;
  }

  async #request(req: RawRequest, roomId: string): Promise<{ status: number; body: unknown }> {
    const refuse = (status: number, error: string, message: string): { status: number; body: unknown } => ({ status, body: { error, message } });
    const { settings } = this.#deps;
    if (!settings.incoming) return refuse(403, 'links_refused', 'this instance does not accept cascade links');
    const keyId = /keyId="([^"]+)"/.exec(String(req.headers.signature ?? req.headers['signature-input'] ?? ''))?.[1];
    let signerHost: string | undefined;
    try {
      signerHost = keyId ? new URL(keyId).host : undefined;
    } catch {
      signerHost = undefined;
    }
    if (signerHost && !this.#limiter.take(signerHost)) {
      return refuse(429, 'rate_limited', `too many link requests from your server; retry in ${this.#limiter.retryAfterSeconds(signerHost)} s`);
    }
    const lookup = this.#keys.lookup();
    const verified = await verifyRequest({
      method: req.method, path: req.originalUrl, headers: req.headers, rawBody: req.rawBody ?? Buffer.alloc(0),
      now: new Date(), resolveKey: lookup.resolveKey, scheme: this.#deps.https ? 'https' : 'http',
    });
    if (!verified.ok) {
      this.#log.info({ reason: verified.error.kind }, 'link request: signature refused');
      return refuse(401, `signature_${verified.error.kind.replace(/-/g, '_')}`, 'the link request must be signed by the linking instance');
    }
    await lookup.verified();
    const body = linkRequest.safeParse(req.body);
    if (!body.success) return refuse(422, 'invalid_link_request', body.error.issues[0]?.message ?? 'not a LinkRequest');
    const origin = new URL(verified.value.owner).origin;
    if (body.data.actor !== null && new URL(body.data.actor).origin !== origin) {
      return refuse(403, 'wrong_origin', 'the persona must be on the signing instance\'s origin');
    }
    if (this.#deps.isBlockedHost?.(new URL(origin).host)) return refuse(403, 'instance_blocked', 'this instance does not link with your server');
    if (body.data.room !== `${this.#deps.publicUrl}/rooms/${roomId}`) return refuse(422, 'invalid_link_request', 'room: not the room of this join endpoint');
    const rooms = this.#deps.rooms();
    const record = rooms ? await rooms.record(roomId) : undefined;
    // Invite-only rooms never leave the instance: to anyone else they do not exist.
    if (!rooms || !record || record.visibility === 'invite') return refuse(404, 'room_not_found', 'there is no room with this id that may be linked');
    if (record.state === 'ended') return refuse(410, 'room_ended', 'the room has ended');
    const live = rooms.live(roomId);
    if (record.state !== 'live' || !live || live.ended) return refuse(409, 'room_not_live', 'the room is not live yet');
    if (body.data.actor === null && record.visibility !== 'public') return refuse(403, 'guests_public_only', 'guests may only join public rooms');
    if (body.data.actor !== null) {
      if (live.stage.isBanned(body.data.actor) || (await rooms.isBanned(roomId, body.data.actor))) return refuse(403, 'banned', 'this persona is banned from the room');
      if (!(await rooms.mayEnter(live, body.data.actor))) return refuse(403, 'not_a_follower', 'this room is for followers of its host');
    }
    const previous = this.links(roomId).find((l) => l.origin === origin);
    if (!previous && this.links(roomId).length >= settings.maxPerRoom) return refuse(503, 'link_cap_reached', 'this room has as many links as it may have');
    const media = await live.openMedia();
    if (!media.ok) return refuse(503, 'media_unavailable', 'no media server is available right now');
    // One link per room per instance: a new request (the linking instance restarted) replaces the old one.
    previous?.close('replaced');
    const pipe = await CascadePipe.open(media.value, { listenIp: settings.listenIp, announcedIp: settings.announcedIp });
    if (!(await pipe.connect(body.data.pipe)).ok) {
      pipe.close();
      return refuse(422, 'bad_pipe', 'pipe: the endpoint was refused');
    }
    const id = randomBytes(16).toString('base64url');
    const token = randomBytes(32).toString('base64url');
    const link = new HostedLink({
      id, origin, room: live, media: media.value, pipe, rooms, log: this.#log,
      onClose: (l: HostedLink, _reason: LinkCloseReason) => {
        if (this.#links.get(l.id) === l) this.#links.delete(l.id);
        this.#tokens.delete(l.id);
      },
    });
    this.#links.set(id, link);
    this.#tokens.set(id, { token: Buffer.from(token), until: Date.now() + CONTROL_TOKEN_TTL_MS });
    // A link whose control channel never opens is dropped.
    setTimeout(() => {
      if (this.#tokens.has(id)) link.close('link_idle');
    }, CONTROL_TOKEN_TTL_MS).unref();
    // The pipe's local port (never the linked instance's address): what an operator's firewall must let through.
    this.#log.info({ link: id, roomId, origin, pipePort: pipe.local.port }, 'cascade link opened');
    const wsBase = this.#deps.publicUrl.replace(/^http/, 'ws');
    const answer: LinkAnswer = { type: 'LinkAnswer', link: id, control: `${wsBase}${LINK_CONTROL_PATH}${id}`, token, pipe: pipe.local };
    return { status: 201, body: answer };
  }
}

/**
 * Whether a link's origin is `domain`: exactly its `host[:port]`, or the
 * domain name itself or a subdomain of it, on any port.
 */
export function originOnDomain(origin: string, domain: string): boolean {
  try {
    const { host } = new URL(origin);
    return host === domain.toLowerCase() || hostOnDomain(host, domain.toLowerCase());
  } catch {
    return false;
  }
}
