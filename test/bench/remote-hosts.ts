/**
 * Plain-HTTP stand-ins for remote instances on loopback addresses: each host
 * serves Mastodon-shaped actors with RSA-2048 keys and answers POSTs to any
 * inbox with 202 after an optional injected latency, recording when each
 * arrived. The benchmarks' load generator and receivers (not a test fake of
 * the server under measure).
 */
import { generateKeyPairSync } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface BenchActor {
  id: string;
  keyId: string;
  inbox: string;
  privateKeyPem: string;
  publicKeyPem: string;
}

export interface RemoteHost {
  origin: string;
  actors: BenchActor[];
  /**
   * POSTs received: arrival time (ms, performance.now()), path, and the
   * recipients it reached: 1 for an actor's own inbox; at the shared inbox,
   * the actors of this host the activity addresses (to, cc, bto, bcc,
   * audience), as a server that fans out behind its shared inbox would
   * count them; `object`: the id of the activity's object (e.g. the Follow
   * an Accept answers) when the host was started with `recordObjects`.
   */
  posts: { at: number; path: string; recipients: number; object?: string }[];
  close(): Promise<void>;
}

const AS_CONTEXT = ['https://www.w3.org/ns/activitystreams', 'https://w3id.org/security/v1'];

const SHARED_INBOX_PATH = '/inbox';

function parsed(body: Buffer): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(body.toString('utf8'));
    return typeof value === 'object' && value !== null ? value as Record<string, unknown> : undefined;
  } catch {
    return undefined;
  }
}

/** The id of an activity's object (a string, or an object's `id`). */
function objectId(activity: Record<string, unknown> | undefined): string | undefined {
  const object = activity?.object;
  if (typeof object === 'string') return object;
  const id: unknown = typeof object === 'object' && object !== null ? (object as Record<string, unknown>).id : undefined;
  return typeof id === 'string' ? id : undefined;
}

/** How many of `actors` an activity (JSON) addresses; 0 when it is not JSON. */
function addressedHere(activity: Record<string, unknown> | undefined, actors: ReadonlySet<string>): number {
  if (activity === undefined) return 0;
  const addressed = new Set<string>();
  for (const field of ['to', 'cc', 'bto', 'bcc', 'audience']) {
    for (const id of [activity[field]].flat()) if (typeof id === 'string' && actors.has(id)) addressed.add(id);
  }
  return addressed.size;
}

/** One RSA-2048 key pair, shared by the actors of a run (key generation is slow; verification cost is the same). */
export function newKeyPair(): { publicKey: string; privateKey: string } {
  return generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
}

/** Starts one host on `ip` with `actors` actors named a0, a1, …; POSTs answered after `latencyMs`. */
export async function startRemoteHost(options: {
  ip: string;
  actors: number;
  latencyMs?: number;
  keys?: { publicKey: string; privateKey: string };
  /** Record the object id of every POSTed activity (parses each body). */
  recordObjects?: boolean;
}): Promise<RemoteHost> {
  const keys = options.keys ?? newKeyPair();
  const latency = options.latencyMs ?? 0;
  const docs = new Map<string, string>();
  const actorIds = new Set<string>();
  const posts: RemoteHost['posts'] = [];
  const server = http.createServer((req, res) => {
    const path = req.url ?? '/';
    if (req.method === 'POST') {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const shared = path === SHARED_INBOX_PATH;
        const activity = shared || options.recordObjects ? parsed(Buffer.concat(chunks)) : undefined;
        const recipients = shared ? addressedHere(activity, actorIds) : 1;
        const object = options.recordObjects ? objectId(activity) : undefined;
        posts.push({ at: performance.now(), path, recipients, ...(object === undefined ? {} : { object }) });
        const answer = (): void => { res.writeHead(202).end(); };
        if (latency > 0) setTimeout(answer, latency);
        else answer();
      });
      return;
    }
    const doc = docs.get(path);
    const send = (): void => {
      if (doc) res.writeHead(200, { 'content-type': 'application/activity+json' }).end(doc);
      else res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
    };
    if (latency > 0) setTimeout(send, latency);
    else send();
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, options.ip, resolve));
  const origin = `http://${options.ip}:${(server.address() as AddressInfo).port}`;
  const actors: BenchActor[] = [];
  for (let i = 0; i < options.actors; i++) {
    const id = `${origin}/users/a${i}`;
    const actor: BenchActor = { id, keyId: `${id}#main-key`, inbox: `${id}/inbox`, privateKeyPem: keys.privateKey, publicKeyPem: keys.publicKey };
    actors.push(actor);
    actorIds.add(id);
    docs.set(`/users/a${i}`, JSON.stringify({
      '@context': AS_CONTEXT,
      id, type: 'Person', preferredUsername: `a${i}`, inbox: actor.inbox, outbox: `${id}/outbox`,
      followers: `${id}/followers`, following: `${id}/following`,
      publicKey: { id: actor.keyId, owner: id, publicKeyPem: keys.publicKey },
      endpoints: { sharedInbox: `${origin}${SHARED_INBOX_PATH}` },
    }));
  }
  return {
    origin, actors, posts,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
