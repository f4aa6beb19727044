import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { ACTIVITYPUB_ACCEPT, SafeFetcher, documentIdMatches, isActivityPubContentType } from './index.js';
import { sendJson, silentLogger, startServer, type TestServer } from './test-fixtures/servers.js';

void describe('ActivityPub document rules', () => {
  void it('accepts activity+json and ld+json with any parameters, nothing else', () => {
    for (const type of [
      'application/activity+json',
      'application/activity+json; charset=utf-8',
      'application/ld+json; profile="https://www.w3.org/ns/activitystreams"',
      'Application/LD+JSON',
      'application/ld+json',
    ]) {
      assert.equal(isActivityPubContentType(type), true, type);
    }
    for (const type of [undefined, '', 'application/json', 'text/html', 'text/plain; x=application/activity+json', 'application/activity+jsonx']) {
      assert.equal(isActivityPubContentType(type), false, String(type));
    }
  });

  void it('matches ids after URL normalisation, ignoring only the requested fragment', () => {
    const url = 'https://rooms.example/users/nightowl';
    assert.equal(documentIdMatches(url, url, url), true);
    assert.equal(documentIdMatches('HTTPS://Rooms.Example:443/users/nightowl', url, url), true);
    assert.equal(documentIdMatches(url, `${url}#main-key`, url), true);
    assert.equal(documentIdMatches(`${url}#main-key`, `${url}#main-key`, url), true);
    assert.equal(documentIdMatches(`${url}#other`, url, url), false);
    assert.equal(documentIdMatches(`${url}/`, url, url), false);
    assert.equal(documentIdMatches('https://evil.example/users/nightowl', url, url), false);
    assert.equal(documentIdMatches(undefined, url, url), false);
    assert.equal(documentIdMatches(42, url, url), false);
  });

  void it('accepts the final URL after redirects only when the id is on the origin that answered', () => {
    const requested = 'https://rooms.example/@nightowl';
    const final = 'https://rooms.example/users/nightowl';
    assert.equal(documentIdMatches(final, requested, final), true);
    assert.equal(documentIdMatches(requested, requested, final), true);
    // Redirected to another origin, which claims the id of the first one.
    assert.equal(documentIdMatches(requested, requested, 'https://cdn.example/users/nightowl'), false);
    assert.equal(documentIdMatches('https://cdn.example/users/nightowl', requested, 'https://cdn.example/users/nightowl'), true);
  });
});

void describe('SafeFetcher.fetchActivityPub against a real server', () => {
  let server: TestServer;
  let other: TestServer;
  let fetcher: SafeFetcher;

  const handler = (origin: () => string) => (req: { url?: string }, res: ServerResponse): void => {
    const path = req.url ?? '/';
    const self = `${origin()}${path}`;
    switch (path) {
      case '/actor':
        return sendJson(res, { id: self, type: 'Person' });
      case '/ld':
        return sendJson(res, { id: self, type: 'Note' }, 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"');
      case '/plain-json':
        return sendJson(res, { id: self, type: 'Note' }, 'application/json');
      case '/html':
        res.writeHead(200, { 'content-type': 'text/html' });
        return void res.end('<html></html>');
      case '/broken':
        res.writeHead(200, { 'content-type': 'application/activity+json' });
        return void res.end('{"id":');
      case '/array':
        return sendJson(res, [{ id: self }]);
      case '/impostor':
        return sendJson(res, { id: 'https://mastodon.example/users/alice', type: 'Person' });
      case '/no-id':
        return sendJson(res, { type: 'Person' });
      case '/moved':
        res.writeHead(301, { location: '/actor' });
        return void res.end();
      case '/cross-origin':
        res.writeHead(302, { location: `${other.origin}/claims-first` });
        return void res.end();
      case '/claims-first':
        return sendJson(res, { id: `${server.origin}/cross-origin`, type: 'Person' });
      case '/gone':
        res.writeHead(410, { 'content-type': 'application/activity+json' });
        return void res.end('{}');
      default:
        res.writeHead(404);
        res.end();
    }
  };

  before(async () => {
    server = await startServer({ host: '127.0.0.1', handler: handler(() => server.origin) });
    other = await startServer({ host: '127.0.0.1', handler: handler(() => other.origin) });
    fetcher = new SafeFetcher({ allowPrivate: ['127.0.0.0/8'], userAgent: 'hearth-test', log: silentLogger() });
  });

  after(async () => {
    await fetcher.close();
    await server.close();
    await other.close();
  });

  const kind = async (path: string): Promise<string> => {
    const result = await fetcher.fetchActivityPub(`${server.origin}${path}`);
    return result.ok ? 'ok' : result.error.kind;
  };

  void it('returns the document and sends the ActivityPub Accept header', async () => {
    const result = await fetcher.fetchActivityPub(`${server.origin}/actor`);
    assert.deepEqual(result, { ok: true, value: { id: `${server.origin}/actor`, type: 'Person' } });
    assert.equal(server.requests.at(-1)?.headers['accept'], ACTIVITYPUB_ACCEPT);
    assert.equal(await kind('/ld'), 'ok');
  });

  void it('discards documents of another content type', async () => {
    assert.equal(await kind('/plain-json'), 'bad-content-type');
    const html = await fetcher.fetchActivityPub(`${server.origin}/html`);
    assert.deepEqual(html, { ok: false, error: { kind: 'bad-content-type', contentType: 'text/html' } });
  });

  void it('discards bodies that are not one JSON object', async () => {
    assert.equal(await kind('/broken'), 'invalid-json');
    assert.equal(await kind('/array'), 'invalid-json');
  });

  void it('discards documents whose id is not where they were fetched from', async () => {
    const impostor = await fetcher.fetchActivityPub(`${server.origin}/impostor`);
    assert.deepEqual(impostor, { ok: false, error: { kind: 'id-mismatch', id: 'https://mastodon.example/users/alice' } });
    assert.equal(await kind('/no-id'), 'id-mismatch');
  });

  void it('accepts the id of the final URL after a same-origin redirect, not a cross-origin claim', async () => {
    assert.equal(await kind('/moved'), 'ok');
    assert.equal(await kind('/cross-origin'), 'id-mismatch');
  });

  void it('reports non-2xx statuses as bad-status', async () => {
    assert.deepEqual(await fetcher.fetchActivityPub(`${server.origin}/gone`), { ok: false, error: { kind: 'bad-status', status: 410 } });
    assert.equal(await kind('/nowhere'), 'bad-status');
  });
});
