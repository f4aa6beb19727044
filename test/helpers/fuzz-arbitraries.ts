/**
 * fast-check generators for the fuzz suite: well-formed messages with
 * mutated fields (so they reach the handlers), and raw garbage (so the
 * parsers see everything else).
 */
import fc from 'fast-check';

/** Anything JSON, nested a little. */
const json = fc.jsonValue({ maxDepth: 3 });
/** Strings that are sometimes long, sometimes tricky. */
const text = fc.oneof(
  { weight: 6, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', '..', '../../etc/passwd', '%00', '\u0000', '<script>', 'null', '-1', '1e309', 'ﬀ', '\uD800') },
  { weight: 1, arbitrary: fc.nat(20_000).map((n) => 'x'.repeat(n)) },
);
const value = fc.oneof({ weight: 3, arbitrary: text }, { weight: 1, arbitrary: json }, { weight: 1, arbitrary: fc.integer() }, { weight: 1, arbitrary: fc.boolean() });

/** encodeURIComponent for any string (a lone surrogate would make it throw). */
const enc = (s: string): string => encodeURIComponent(s.replace(/[\uD800-\uDFFF]/g, '\uFFFD'));

/**
 * An object like `template`: mostly exactly its fields (so that strict
 * schemas accept it and the handler runs), sometimes with fields dropped,
 * and sometimes with fields added or replaced by anything.
 */
function mutated(template: Record<string, fc.Arbitrary<unknown>>): fc.Arbitrary<Record<string, unknown>> {
  const keys = Object.keys(template);
  const extra = keys.length > 0 ? fc.oneof(fc.constantFrom(...keys), text) : text;
  return fc.oneof(
    { weight: 4, arbitrary: fc.record(template) },
    { weight: 1, arbitrary: fc.record(template, { requiredKeys: [] }) },
    {
      weight: 1,
      arbitrary: fc.tuple(fc.record(template), fc.dictionary(extra, value, { minKeys: 1, maxKeys: 2 })).map(([base, more]) => ({ ...base, ...more })),
    },
  );
}

export interface ApiRequest {
  method: string;
  path: string;
  body: unknown;
  headers: Record<string, string>;
}

/** Requests to the JSON API: real routes with mutated ids and bodies, and made-up routes. */
export function apiRequest(live: () => { roomId: string; handle: string }): fc.Arbitrary<ApiRequest> {
  const segment = fc.oneof({ weight: 3, arbitrary: fc.constant('@live') }, { weight: 1, arbitrary: text.map((s) => enc(s)) });
  const route = fc.oneof(
    fc.tuple(fc.constantFrom('POST'), fc.constant('/api/v1/accounts'), fc.constant(mutated({ username: text, password: text, invite: text }))),
    fc.tuple(fc.constantFrom('GET', 'DELETE'), fc.constant('/api/v1/accounts/me'), fc.constant(mutated({ password: text }))),
    fc.tuple(fc.constantFrom('POST'), fc.constant('/api/v1/accounts/recover'), fc.constant(mutated({ username: text, code: text, password: text }))),
    fc.tuple(fc.constantFrom('POST', 'GET'), fc.constant('/api/v1/sessions'), fc.constant(mutated({ username: text, password: text }))),
    fc.tuple(fc.constantFrom('POST', 'GET'), fc.constant('/api/v1/personas'), fc.constant(mutated({ handle: text, displayName: text, summary: text }))),
    fc.tuple(fc.constantFrom('PATCH', 'DELETE'), fc.constant('/api/v1/personas/:handle'), fc.constant(mutated({ displayName: text, summary: text, discoverable: value, approveFollowers: value, password: text }))),
    fc.tuple(fc.constantFrom('POST'), fc.constantFrom('/api/v1/personas/:handle/act', '/api/v1/personas/:handle/follow', '/api/v1/personas/:handle/unfollow', '/api/v1/personas/:handle/block'), fc.constant(mutated({ target: text, handle: text }))),
    fc.tuple(fc.constantFrom('GET'), fc.constantFrom('/api/v1/personas/:handle/export', '/api/v1/personas/:handle/follow-requests', '/api/v1/hallway', '/api/v1/rooms', '/api/v1/directory'), fc.constant(fc.constant(undefined))),
    fc.tuple(fc.constantFrom('GET'), fc.constantFrom('/api/v1/search?q=', '/api/v1/rooms/lookup?url=', '/.well-known/webfinger?resource=', '/api/v1/deletions/', '/u/', '/rooms/'), fc.constant(fc.constant(undefined))),
    fc.tuple(fc.constantFrom('POST'), fc.constant('/api/v1/rooms'), fc.constant(mutated({ title: text, summary: text, visibility: fc.oneof(fc.constantFrom('public', 'followers', 'invite'), text), startsAt: text }))),
    fc.tuple(fc.constantFrom('GET', 'PATCH', 'DELETE'), fc.constant('/api/v1/rooms/:id'), fc.constant(mutated({ title: text, summary: text, visibility: text }))),
    fc.tuple(fc.constantFrom('POST', 'GET'), fc.constantFrom('/api/v1/rooms/:id/start', '/api/v1/rooms/:id/end', '/api/v1/rooms/:id/invitations'), fc.constant(mutated({ handle: text }))),
    fc.tuple(fc.constantFrom('POST'), fc.constantFrom('/api/v1/reports', '/api/v1/admin/invites'), fc.constant(mutated({ target: text, comment: text, count: value }))),
    fc.tuple(fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'), text.map((s) => `/api/v1/${enc(s)}`), fc.constant(json)),
  );
  return fc
    .tuple(route, segment, fc.oneof(fc.constant(''), text))
    .chain(([[method, path, body], seg, query]) =>
      fc.record({
        method: fc.constant(method),
        path: fc.constant({ path, seg, query }),
        body: fc.oneof({ weight: 5, arbitrary: body as fc.Arbitrary<unknown> }, { weight: 1, arbitrary: json }, { weight: 1, arbitrary: text }),
        contentType: fc.constantFrom('application/json', 'application/json', 'application/json', 'text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1'),
      }),
    )
    .map(({ method, path: { path, seg, query }, body, contentType }): ApiRequest => {
      const ids = live();
      const fill = (name: string): string => (seg === '@live' ? (name === 'id' ? ids.roomId : ids.handle) : seg);
      let p = path.replace(':handle', fill('handle')).replace(':id', fill('id'));
      if (p.endsWith('=') || p.endsWith('/')) p += enc(query);
      const sent = method === 'GET' ? undefined : body;
      return {
        method,
        path: p,
        body: sent === undefined ? undefined : typeof sent === 'string' ? sent : JSON.stringify(sent),
        headers: sent === undefined ? {} : { 'content-type': contentType },
      };
    });
}

const SIGNAL_TYPES = [
  'join', 'leave', 'ping', 'raiseHand', 'lowerHand', 'acceptInvite', 'declineInvite', 'unmute', 'endRoom', 'refreshGrant',
  'invite', 'moveToAudience', 'mute', 'allowUnmute', 'remove', 'ban', 'promote', 'demote',
  'createTransport', 'connectTransport', 'restartIce', 'produce', 'consume', 'resumeConsumer', 'listProducers',
];

/** One signaling frame: a mutated request of every type, JSON of any shape, or bytes. */
export function signalFrame(roomId: () => string): fc.Arbitrary<string | Buffer> {
  const id = fc.oneof({ weight: 4, arbitrary: fc.string({ maxLength: 10 }) }, { weight: 1, arbitrary: fc.integer() }, { weight: 1, arbitrary: json });
  const room = fc.oneof({ weight: 3, arbitrary: fc.constant('@room') }, { weight: 1, arbitrary: text });
  const fields: Record<string, Record<string, fc.Arbitrary<unknown>>> = {
    join: { roomId: room },
    createTransport: { grant: text, direction: fc.oneof(fc.constantFrom('send', 'recv'), text) },
    connectTransport: { grant: text, transportId: text, dtlsParameters: json },
    restartIce: { grant: text, transportId: text },
    produce: { grant: text, transportId: text, rtpParameters: json },
    consume: { grant: text, transportId: text, producerId: text, rtpCapabilities: json },
    resumeConsumer: { grant: text, consumerId: text },
    listProducers: { grant: text },
  };
  for (const t of ['invite', 'moveToAudience', 'mute', 'allowUnmute', 'remove', 'ban', 'promote', 'demote']) fields[t] = { participantId: text };
  const request = fc
    .oneof({ weight: 5, arbitrary: fc.constantFrom(...SIGNAL_TYPES) }, { weight: 1, arbitrary: text })
    .chain((type) => mutated({ id, type: fc.constant(type), ...(fields[type] ?? {}) }));
  return fc.oneof(
    { weight: 6, arbitrary: request.map((m) => JSON.stringify(m['roomId'] === '@room' ? { ...m, roomId: roomId() } : m)) },
    { weight: 1, arbitrary: json.map((v) => JSON.stringify(v)) },
    { weight: 1, arbitrary: text },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)) },
  );
}

const ACTIVITY_TYPES = ['Follow', 'Undo', 'Accept', 'Reject', 'Create', 'Update', 'Delete', 'Block', 'Flag', 'Like', 'Announce', 'Add', 'Remove', 'Move', 'Question'];
const OBJECT_TYPES = ['Note', 'Event', 'Person', 'Follow', 'Tombstone', 'Article', 'Image', 'Question'];

/** An inbox body: activities with mutated fields (ids on the sender's origin), any JSON, or text. */
export function inboxBody(ctx: { actor: string; target: string; remote: string }): fc.Arbitrary<string> {
  const id = fc.oneof({ weight: 4, arbitrary: fc.nat().map((n) => `${ctx.remote}/things/${n}`) }, { weight: 1, arbitrary: text });
  const object = fc.oneof(
    fc.constant(ctx.target),
    id,
    mutated({ id, type: fc.constantFrom(...OBJECT_TYPES), actor: fc.constant(ctx.actor), attributedTo: fc.constant(ctx.actor), object: fc.constant(ctx.target), name: text, content: text, startTime: text, to: value, cc: value, url: text }),
  );
  const activity = mutated({
    '@context': fc.oneof(fc.constant('https://www.w3.org/ns/activitystreams'), json),
    id,
    type: fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...ACTIVITY_TYPES) }, { weight: 1, arbitrary: text }),
    actor: fc.oneof({ weight: 5, arbitrary: fc.constant(ctx.actor) }, { weight: 1, arbitrary: value }),
    object: fc.oneof({ weight: 5, arbitrary: object }, { weight: 1, arbitrary: json }),
    to: fc.oneof(fc.constant([ctx.target]), value),
    target: value,
    published: text,
  });
  return fc.oneof(
    { weight: 8, arbitrary: activity.map((a) => JSON.stringify({ '@context': 'https://www.w3.org/ns/activitystreams', actor: ctx.actor, ...a })) },
    { weight: 1, arbitrary: json.map((v) => JSON.stringify(v)) },
    { weight: 1, arbitrary: text },
  );
}
