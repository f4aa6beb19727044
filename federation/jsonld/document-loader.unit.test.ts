import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import { err, type Result } from '../../server/core/result.js';
import { SafeFetcher } from '../net/index.js';
import { sendJson, silentLogger, startServer, type TestServer } from '../net/test-fixtures/servers.js';
import {
  BUNDLED_CONTEXTS,
  ContextUnavailableError,
  createDocumentLoader,
  findContextUnavailable,
  type ContextCache,
  type ContextFetcher,
  type DocumentLoader,
  type JsonObject,
} from './index.js';
import { APEX_CONTEXT, FEDIFY_ACTOR, LITEPUB_NOTE, MASTODON_ACTOR } from './test-fixtures/actors.js';

interface JsonLd {
  compact(document: object, context: unknown, options: { documentLoader: DocumentLoader }): Promise<JsonObject>;
  expand(document: object, options: { documentLoader: DocumentLoader }): Promise<JsonObject[]>;
}
const jsonld = createRequire(import.meta.url)('jsonld') as JsonLd;

/** A fetcher with no network at all: records what it was asked and fails. */
function offlineFetcher(): ContextFetcher & { urls: string[] } {
  const urls: string[] = [];
  return {
    urls,
    request: (url: string): Promise<Result<{ status: number; body: Buffer }, { kind: string }>> => {
      urls.push(url);
      return Promise.resolve(err({ kind: 'network' }));
    },
  };
}

function memoryCache(): ContextCache & { entries: Map<string, JsonObject>; gets: string[] } {
  const entries = new Map<string, JsonObject>();
  const gets: string[] = [];
  return {
    entries,
    gets,
    get: (url) => {
      gets.push(url);
      const hit = entries.get(url);
      return Promise.resolve(hit === undefined ? undefined : structuredClone(hit));
    },
    put: (url, document) => {
      entries.set(url, structuredClone(document));
      return Promise.resolve();
    },
  };
}

void describe('JSON-LD document loader, offline', () => {
  const fetcher = offlineFetcher();
  const cache = memoryCache();
  const loader = createDocumentLoader({ fetcher, cache, log: silentLogger() });

  void it('compacts a Mastodon actor with inline extension terms without fetching anything', async () => {
    const compacted = await jsonld.compact(structuredClone(MASTODON_ACTOR), APEX_CONTEXT, { documentLoader: loader });
    assert.equal(compacted['id'], 'https://mastodon.example/users/alice');
    assert.equal(compacted['inbox'], 'https://mastodon.example/users/alice/inbox');
    assert.equal(compacted['as:manuallyApprovesFollowers'], false);
    assert.equal(compacted['http://joinmastodon.org/ns#discoverable'], true);
    assert.deepEqual(compacted['http://joinmastodon.org/ns#featured'], { id: 'https://mastodon.example/users/alice/collections/featured' });
    const key = compacted['publicKey'] as JsonObject;
    assert.equal(key['owner'], 'https://mastodon.example/users/alice');
    assert.match(String(key['publicKeyPem']), /BEGIN PUBLIC KEY/);
    assert.deepEqual(fetcher.urls, [], 'nothing was fetched');
    assert.deepEqual(cache.gets, [], 'bundled contexts do not even touch the cache');
  });

  void it('expands Mastodon terms to their namespace IRIs (toot: is only an inline prefix, never loaded)', async () => {
    const [expanded] = await jsonld.expand(structuredClone(MASTODON_ACTOR), { documentLoader: loader });
    assert.ok(expanded !== undefined);
    assert.deepEqual(expanded['http://joinmastodon.org/ns#indexable'], [{ '@value': false }]);
    assert.deepEqual(expanded['https://www.w3.org/ns/activitystreams#alsoKnownAs'], [{ '@id': 'https://old.example/users/alice' }]);
    assert.deepEqual(fetcher.urls, []);
  });

  void it('compacts a Fedify actor using data-integrity, DID and Multikey contexts without fetching anything', async () => {
    const compacted = await jsonld.compact(structuredClone(FEDIFY_ACTOR), APEX_CONTEXT, { documentLoader: loader });
    assert.equal(compacted['https://misskey-hub.net/ns#isCat'], true);
    const method = compacted['sec:assertionMethod'] as JsonObject;
    assert.equal(method['type'], 'sec:Multikey');
    assert.deepEqual(method['sec:controller'], { id: 'https://fedify.example/users/bob' });
    assert.deepEqual(fetcher.urls, []);
  });

  void it('compacts a LitePub (Pleroma) note, including the webfinger context LitePub imports', async () => {
    const compacted = await jsonld.compact(structuredClone(LITEPUB_NOTE), APEX_CONTEXT, { documentLoader: loader });
    assert.equal(compacted['http://litepub.social/ns#directMessage'], false);
    assert.equal(compacted['as:sensitive'], false);
    assert.deepEqual(fetcher.urls, []);
  });

  void it('answers every bundled URL, its aliases and fragment forms from memory', async () => {
    for (const url of [...BUNDLED_CONTEXTS.keys(), 'https://www.w3.org/ns/activitystreams#']) {
      const remote = await loader(url);
      assert.ok('@context' in remote.document, url);
      assert.equal(remote.documentUrl, url);
    }
    assert.deepEqual(fetcher.urls, []);
    const [first, second] = [await loader('https://w3id.org/security/v1'), await loader('https://w3id.org/security/v1')];
    assert.notEqual(first.document, second.document, 'each caller gets its own copy to mutate');
  });
});

void describe('JSON-LD document loader, remote contexts through the safe client', () => {
  let server: TestServer;
  let safe: SafeFetcher;
  const counted = new Map<string, number>();
  const context = { '@context': { hearth: 'https://hearth.example/ns#', liveStatus: 'hearth:liveStatus' } };

  before(async () => {
    server = await startServer({
      host: '127.0.0.1',
      handler: (req, res) => {
        const path = req.url ?? '';
        counted.set(path, (counted.get(path) ?? 0) + 1);
        if (path.startsWith('/ctx')) sendJson(res, context, 'application/ld+json');
        else if (path === '/not-a-context') sendJson(res, { hello: 'world' }, 'application/json');
        else {
          res.writeHead(404);
          res.end();
        }
      },
    });
    safe = new SafeFetcher({ allowPrivate: ['127.0.0.0/8'], userAgent: 'hearth-test', log: silentLogger() });
  });

  after(async () => {
    await safe.close();
    await server.close();
  });

  const noteWith = (contextUrl: string): JsonObject => ({
    '@context': ['https://www.w3.org/ns/activitystreams', contextUrl],
    id: 'https://remote.example/rooms/1',
    type: 'Event',
    liveStatus: 'live',
  });

  void it('fetches an unknown context once through the fetcher, then serves it from the cache', async () => {
    const cache = memoryCache();
    const url = `${server.origin}/ctx-a.jsonld`;
    const loader = createDocumentLoader({ fetcher: safe, cache, log: silentLogger() });
    const compacted = await jsonld.compact(noteWith(url), APEX_CONTEXT, { documentLoader: loader });
    assert.equal(compacted['https://hearth.example/ns#liveStatus'], 'live');
    assert.equal(counted.get('/ctx-a.jsonld'), 1);
    assert.deepEqual(cache.entries.get(url), context);
    assert.equal(server.requests.at(-1)?.headers['accept'], 'application/ld+json, application/json');

    // Same loader again, and a new loader (a restarted process) over the same cache.
    await jsonld.compact(noteWith(url), APEX_CONTEXT, { documentLoader: loader });
    const restarted = createDocumentLoader({ fetcher: offlineFetcher(), cache, log: silentLogger() });
    const again = await jsonld.compact(noteWith(url), APEX_CONTEXT, { documentLoader: restarted });
    assert.equal(again['https://hearth.example/ns#liveStatus'], 'live');
    assert.equal(counted.get('/ctx-a.jsonld'), 1, 'never fetched a second time');
  });

  void it('shares one fetch between concurrent loads of the same context', async () => {
    const loader = createDocumentLoader({ fetcher: safe, cache: memoryCache(), log: silentLogger() });
    const url = `${server.origin}/ctx-b.jsonld`;
    const results = await Promise.all([loader(url), loader(url), loader(url)]);
    assert.equal(counted.get('/ctx-b.jsonld'), 1);
    assert.deepEqual(results.map((r) => r.document), [context, context, context]);
  });

  void it('still works when the cache itself fails', async () => {
    const broken: ContextCache = { get: () => Promise.reject(new Error('disk gone')), put: () => Promise.reject(new Error('disk gone')) };
    const loader = createDocumentLoader({ fetcher: safe, cache: broken, log: silentLogger() });
    const remote = await loader(`${server.origin}/ctx-c.jsonld`);
    assert.deepEqual(remote.document, context);
  });

  void it('throws ContextUnavailableError for a context that cannot be had, and jsonld passes it through', async () => {
    const cases: [string, string][] = [
      [`${server.origin}/missing.jsonld`, 'bad-status'],
      [`${server.origin}/not-a-context`, 'not-a-context'],
      ['http://169.254.169.254/context.jsonld', 'fetch-failed'],
      ['ftp://contexts.example/ctx', 'not-http'],
    ];
    for (const [url, reason] of cases) {
      const loader = createDocumentLoader({ fetcher: safe, cache: memoryCache(), log: silentLogger() });
      const error = await jsonld.compact(noteWith(url), APEX_CONTEXT, { documentLoader: loader }).then(
        () => assert.fail(`${url} should not compact`),
        (e: unknown) => e,
      );
      const unavailable = findContextUnavailable(error);
      assert.ok(unavailable instanceof ContextUnavailableError, url);
      assert.equal(unavailable.reason, reason, url);
      assert.equal(unavailable.url, url);
    }
  });

  void it('treats Mastodon\'s namespace, wrongly used as a context URL, like any unobtainable context', async () => {
    const fetcher = offlineFetcher();
    const loader = createDocumentLoader({ fetcher, cache: memoryCache(), log: silentLogger() });
    const error = await jsonld.compact(noteWith('http://joinmastodon.org/ns'), APEX_CONTEXT, { documentLoader: loader }).catch((e: unknown) => e);
    assert.equal(findContextUnavailable(error)?.reason, 'fetch-failed');
    assert.deepEqual(fetcher.urls, ['http://joinmastodon.org/ns'], 'tried once, through the injected fetcher only');
  });

  void it('does not retry a failed context until the failure has expired', async () => {
    let clock = 0;
    const loader = createDocumentLoader({ fetcher: safe, cache: memoryCache(), log: silentLogger(), failureTtlMs: 1000, now: () => clock });
    const url = `${server.origin}/missing-twice.jsonld`;
    await assert.rejects(loader(url), (e: unknown) => e instanceof ContextUnavailableError && e.reason === 'bad-status');
    await assert.rejects(loader(url), (e: unknown) => e instanceof ContextUnavailableError && e.reason === 'recently-failed');
    assert.equal(counted.get('/missing-twice.jsonld'), 1);
    clock = 1001;
    await assert.rejects(loader(url), (e: unknown) => e instanceof ContextUnavailableError && e.reason === 'bad-status');
    assert.equal(counted.get('/missing-twice.jsonld'), 2);
  });
});
