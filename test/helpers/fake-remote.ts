/**
 * A scripted remote ActivityPub server for tests, run in the test process:
 * serves Mastodon-shaped actors over HTTPS (certificate from the run's test
 * CA) and records what is delivered to its inboxes. Its actors sign requests
 * with their own keys, so the instance under test sees a real peer. Named a
 * fake: it is not Mastodon, it sends what Mastodon sends.
 */
import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { FEDIFY_ACTOR, MASTODON_ACTOR } from '../../federation/jsonld/test-fixtures/actors.js';
import type { TestCa } from './test-ca.js';

export interface FakeActor {
  /** Which server's shapes the actor document takes. */
  style: 'mastodon' | 'fedify';
  /** A further JSON-LD context URL the actor document names (e.g. one that cannot be fetched). */
  extraContext?: string;
  id: string;
  keyId: string;
  privateKeyPem: string;
  publicKeyPem: string;
  inbox: string;
  /** Without `endpoints.sharedInbox`: deliveries go to the actor's own inbox. */
  noSharedInbox?: boolean;
}

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** When the request arrived (ms since the epoch). */
  at: number;
}

export function newKeyPair(): { publicKey: string; privateKey: string } {
  return generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
}

type Route = (req: IncomingMessage, res: ServerResponse, body: string) => boolean;

export class FakeRemote {
  readonly received: ReceivedRequest[] = [];
  private readonly actors = new Map<string, FakeActor>();
  private readonly routes: Route[] = [];
  /** The TCP sockets under the TLS ones, by client port (to reset a connection). */
  private readonly tcp = new Map<number, Socket>();
  private server!: https.Server;
  origin = '';

  private constructor(readonly host: string, private readonly ip: string) {}

  /** Starts the server on `ip` (mapped to `host` by the test resolver) with a certificate from `ca`. */
  static async start(ca: TestCa, host: string, ip: string): Promise<FakeRemote> {
    const remote = new FakeRemote(host, ip);
    const cert = ca.issue([host]);
    remote.server = https.createServer({ cert: fs.readFileSync(cert.certFile), key: fs.readFileSync(cert.keyFile) }, (req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => (body += c));
      req.on('end', () => remote.handle(req, res, body));
    });
    remote.server.on('connection', (socket: Socket) => {
      const port = socket.remotePort;
      if (port === undefined) return;
      remote.tcp.set(port, socket);
      socket.once('close', () => remote.tcp.delete(port));
    });
    await new Promise<void>((resolve) => remote.server.listen(0, ip, () => resolve()));
    remote.origin = `https://${host}:${(remote.server.address() as AddressInfo).port}`;
    return remote;
  }

  /**
   * Adds a Mastodon-shaped actor at /users/<name> with a fresh RSA-2048 key
   * (or `options.keyPair`, to make hundreds of actors quickly).
   */
  addActor(name: string, style: FakeActor['style'] = 'mastodon', options: { keyPair?: { publicKey: string; privateKey: string }; noSharedInbox?: boolean } = {}): FakeActor {
    const { publicKey, privateKey } = options.keyPair ?? newKeyPair();
    const id = `${this.origin}/users/${name}`;
    const actor: FakeActor = { style, id, keyId: `${id}#main-key`, privateKeyPem: privateKey, publicKeyPem: publicKey, inbox: `${id}/inbox` };
    if (options.noSharedInbox) actor.noSharedInbox = true;
    this.actors.set(name, actor);
    return actor;
  }

  /** Replaces an actor's key pair (key rotation); the key id stays the same. */
  rotateKey(actor: FakeActor): void {
    const { publicKey, privateKey } = newKeyPair();
    actor.publicKeyPem = publicKey;
    actor.privateKeyPem = privateKey;
  }

  /** How many GETs a path received (e.g. actor document refetches). */
  getCount(path: string): number {
    return this.received.filter((r) => r.method === 'GET' && r.path === path).length;
  }

  /** The actor document as Mastodon (or a Fedify-based server) serves it, context terms included. */
  actorDocument(actor: FakeActor): Record<string, unknown> {
    const doc = this.mastodonDocument(actor);
    if (actor.extraContext) doc['@context'] = [...(doc['@context'] as unknown[]), actor.extraContext];
    if (actor.style === 'mastodon') return doc;
    // Fedify: data-integrity, DID and multikey contexts, a typed key, and an Ed25519 assertion method.
    return {
      ...doc,
      '@context': FEDIFY_ACTOR['@context'],
      publicKey: { id: actor.keyId, type: 'CryptographicKey', owner: actor.id, publicKeyPem: actor.publicKeyPem },
      assertionMethod: [{ ...FEDIFY_ACTOR.assertionMethod[0], id: `${actor.id}#ed25519-key`, controller: actor.id }],
    };
  }

  private mastodonDocument(actor: FakeActor): Record<string, unknown> {
    const name = actor.id.split('/').pop() ?? '';
    return {
      '@context': MASTODON_ACTOR['@context'],
      id: actor.id,
      type: 'Person',
      following: `${actor.id}/following`,
      followers: `${actor.id}/followers`,
      inbox: actor.inbox,
      outbox: `${actor.id}/outbox`,
      featured: `${actor.id}/collections/featured`,
      featuredTags: `${actor.id}/collections/tags`,
      preferredUsername: name,
      name: name.toUpperCase(),
      summary: '<p>a fake Mastodon account</p>',
      url: `${this.origin}/@${name}`,
      manuallyApprovesFollowers: false,
      discoverable: false,
      indexable: false,
      published: '2024-01-01T00:00:00Z',
      memorial: false,
      publicKey: { id: actor.keyId, owner: actor.id, publicKeyPem: actor.publicKeyPem },
      tag: [],
      attachment: [],
      ...(actor.noSharedInbox ? {} : { endpoints: { sharedInbox: `${this.origin}/inbox` } }),
    };
  }

  /** Resets the TCP connection a request came on (RST, no TLS close). */
  reset(req: IncomingMessage): void {
    const tcp = req.socket.remotePort === undefined ? undefined : this.tcp.get(req.socket.remotePort);
    if (tcp) tcp.resetAndDestroy();
    else req.socket.destroy();
  }

  /** A custom route, tried before the built-in ones; return true when handled. */
  route(handler: Route): void {
    this.routes.push(handler);
  }

  private handle(req: IncomingMessage, res: ServerResponse, body: string): void {
    const path = req.url ?? '/';
    if (req.method === 'GET') this.received.push({ method: 'GET', path, headers: req.headers, body: '', at: Date.now() });
    for (const r of this.routes) if (r(req, res, body)) return;
    if (req.method === 'POST') {
      this.received.push({ method: 'POST', path, headers: req.headers, body, at: Date.now() });
      res.writeHead(202).end();
      return;
    }
    const name = /^\/users\/([a-z0-9_]+)$/.exec(path)?.[1];
    const actor = name ? this.actors.get(name) : undefined;
    if (req.method === 'GET' && actor) {
      res.writeHead(200, { 'content-type': 'application/activity+json; charset=utf-8' }).end(JSON.stringify(this.actorDocument(actor)));
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"Record not found"}');
  }

  /** POSTs received at a path, parsed. */
  deliveries(path: string): Array<{ headers: ReceivedRequest['headers']; activity: Record<string, unknown>; at: number }> {
    return this.received
      .filter((r) => r.method === 'POST' && r.path === path)
      .map((r) => ({ headers: r.headers, activity: JSON.parse(r.body) as Record<string, unknown>, at: r.at }));
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
