import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_MAX_BYTES, SafeFetcher } from './index.js';
import type { FetchError, SafeFetcherOptions, SafeResponse, SignableRequest } from './index.js';
import type { Result } from '../../server/core/result.js';
import { silentLogger, startServer, type TestServer } from './test-fixtures/servers.js';

const LOOPBACK_V4 = ['127.0.0.0/8'];

function fetcher(options: Partial<SafeFetcherOptions> = {}): SafeFetcher {
  return new SafeFetcher({ userAgent: 'hearth-test/1', log: silentLogger(), allowPrivate: LOOPBACK_V4, ...options });
}

function expectError(result: Result<unknown, FetchError>): FetchError {
  assert.equal(result.ok, false, `expected a failure, got ${JSON.stringify(result)}`);
  if (result.ok) throw new Error('unreachable');
  return result.error;
}

function expectOk(result: Result<SafeResponse, FetchError>): SafeResponse {
  if (!result.ok) assert.fail(`expected success, got ${JSON.stringify(result.error)}`);
  return result.value;
}

function redirect(res: ServerResponse, location: string, status = 302): void {
  res.writeHead(status, { location, 'content-length': '0' });
  res.end();
}

void describe('SafeFetcher against real loopback servers', () => {
  let v4: TestServer;
  let v6: TestServer;
  const open: SafeFetcher[] = [];
  const make = (options: Partial<SafeFetcherOptions> = {}): SafeFetcher => {
    const f = fetcher(options);
    open.push(f);
    return f;
  };

  before(async () => {
    v4 = await startServer({
      host: '127.0.0.1',
      handler: (req, res) => {
        const url = new URL(req.url ?? '/', 'http://x');
        const hops = Number(url.searchParams.get('n') ?? '0');
        switch (url.pathname) {
          case '/hello':
            res.writeHead(200, { 'content-type': 'text/plain' });
            res.end('hello');
            return;
          case '/chain':
            if (hops > 0) redirect(res, `/chain?n=${hops - 1}`);
            else res.end('end of chain');
            return;
          case '/to':
            redirect(res, url.searchParams.get('target') ?? '/hello');
            return;
          case '/see-other':
            res.writeHead(303, { location: '/echo' });
            res.end();
            return;
          case '/echo':
            res.writeHead(200, { 'content-type': 'application/json' });
            res.end(JSON.stringify({ method: req.method, headers: req.headers }));
            return;
          case '/big-declared':
            res.writeHead(200, { 'content-length': String(5 * 1024 * 1024) });
            res.end(Buffer.alloc(5 * 1024 * 1024, 0x61));
            return;
          case '/big-chunked': {
            res.writeHead(200, { 'content-type': 'application/octet-stream' });
            const chunk = Buffer.alloc(64 * 1024, 0x62);
            for (let i = 0; i < 80; i += 1) res.write(chunk);
            res.end();
            return;
          }
          case '/sized':
            res.end(Buffer.alloc(hops, 0x63));
            return;
          case '/never':
            return; // accepts the request and never answers
          case '/trickle': {
            res.writeHead(200, { 'content-type': 'text/plain' });
            const timer = setInterval(() => res.write('x'), 50);
            res.on('close', () => clearInterval(timer));
            return;
          }
          case '/slow-chain':
            setTimeout(() => (hops > 0 ? redirect(res, `/slow-chain?n=${hops - 1}`) : res.end('done')), 150);
            return;
          default:
            res.writeHead(404);
            res.end();
        }
      },
    });
    v6 = await startServer({
      host: '::1',
      handler: (_req, res) => {
        res.end('v6');
      },
    });
  });

  after(async () => {
    await Promise.all(open.map((f) => f.close()));
    await v4.close();
    await v6.close();
  });

  void it('fetches from an allow-listed loopback server and sends the User-Agent', async () => {
    const response = expectOk(await make().request(`${v4.origin}/hello`));
    assert.equal(response.status, 200);
    assert.equal(response.body.toString(), 'hello');
    assert.equal(response.headers['content-type'], 'text/plain');
    assert.equal(response.redirects, 0);
    const seen = v4.requests.at(-1);
    assert.equal(seen?.headers['user-agent'], 'hearth-test/1');
  });

  void it('refuses loopback IP literals before connecting when the allow-list is empty', async () => {
    const strict = make({ allowPrivate: [] });
    const v4Before = v4.connections();
    const v6Before = v6.connections();
    for (const url of [`${v4.origin}/hello`, `${v6.origin}/`, `http://[::ffff:127.0.0.1]:${v4.port}/hello`]) {
      const error = expectError(await strict.request(url));
      assert.equal(error.kind, 'blocked-address', url);
      if (error.kind === 'blocked-address') assert.equal(error.stage, 'literal', url);
    }
    assert.equal(v4.connections(), v4Before, 'no connection reached the IPv4 server');
    assert.equal(v6.connections(), v6Before, 'no connection reached the IPv6 server');
  });

  void it('refuses 169.254.169.254 (cloud metadata) before any packet is sent', async () => {
    const started = Date.now();
    const error = expectError(await make().request('http://169.254.169.254/latest/meta-data/'));
    assert.deepEqual(error, { kind: 'blocked-address', reason: 'linkLocal', stage: 'literal' });
    assert.ok(Date.now() - started < 1000, 'refused immediately, not after a connect attempt');
  });

  void it('refuses a hostname whose DNS answer is loopback, at lookup time', async () => {
    const before = v4.connections();
    const error = expectError(await make({ allowPrivate: [] }).request(`http://localhost:${v4.port}/hello`));
    assert.equal(error.kind, 'blocked-address');
    if (error.kind === 'blocked-address') assert.equal(error.stage, 'dns');
    assert.equal(v4.connections(), before);
  });

  void it('reaches the same hostname once its answers are allow-listed', async () => {
    const response = expectOk(await make({ allowPrivate: ['127.0.0.0/8', '::1/128'] }).request(`http://localhost:${v4.port}/hello`));
    assert.equal(response.body.toString(), 'hello');
  });

  void it('keeps ::1 closed when only 127.0.0.0/8 is allow-listed, and opens it when listed', async () => {
    const error = expectError(await make().request(`${v6.origin}/`));
    assert.equal(error.kind, 'blocked-address');
    const response = expectOk(await make({ allowPrivate: ['::1/128'] }).request(`${v6.origin}/`));
    assert.equal(response.body.toString(), 'v6');
  });

  void it('follows a chain of 3 redirects and reports the final URL', async () => {
    const response = expectOk(await make().request(`${v4.origin}/chain?n=3`));
    assert.equal(response.body.toString(), 'end of chain');
    assert.equal(response.redirects, 3);
    assert.equal(response.url, `${v4.origin}/chain?n=0`);
  });

  void it('refuses the 4th redirect without requesting its target', async () => {
    const first = v4.requests.length;
    const error = expectError(await make().request(`${v4.origin}/chain?n=4`));
    assert.deepEqual(error, { kind: 'too-many-redirects', limit: 3 });
    assert.deepEqual(
      v4.requests.slice(first).map((r) => r.url),
      ['/chain?n=4', '/chain?n=3', '/chain?n=2', '/chain?n=1'],
      'the target of the 4th redirect was never requested',
    );
  });

  void it('refuses a redirect from an allowed host to a blocked address', async () => {
    for (const target of ['http://169.254.169.254/latest/meta-data/', `${v6.origin}/`, 'http://[::ffff:10.0.0.1]/']) {
      const error = expectError(await make().request(`${v4.origin}/to?target=${encodeURIComponent(target)}`));
      assert.equal(error.kind, 'blocked-address', target);
    }
  });

  void it('keeps caller credentials on same-origin redirects and drops them across origins', async () => {
    const both = make({ allowPrivate: ['127.0.0.0/8', '::1/128'] });
    const headers = { Authorization: 'Bearer secret', 'X-Other': 'kept' };
    expectOk(await both.request(`${v4.origin}/chain?n=1`, { headers }));
    assert.equal(v4.requests.at(-1)?.headers['authorization'], 'Bearer secret');
    expectOk(await both.request(`${v4.origin}/to?target=${encodeURIComponent(`${v6.origin}/`)}`, { headers }));
    const crossed = v6.requests.at(-1);
    assert.equal(crossed?.headers['authorization'], undefined);
    assert.equal(crossed?.headers['x-other'], 'kept');
  });

  void it('refuses loopback written as decimal, hex or short IPv4 (URL normalises them to literals)', async () => {
    const strict = make({ allowPrivate: [] });
    for (const host of ['2130706433', '0x7f000001', '127.1', '0']) {
      const error = expectError(await strict.request(`http://${host}:${v4.port}/hello`));
      assert.equal(error.kind, 'blocked-address', host);
      if (error.kind === 'blocked-address') assert.equal(error.stage, 'literal', host);
    }
  });

  void it('refuses redirects to non-http schemes and URLs with credentials', async () => {
    for (const target of ['file:///etc/passwd', 'gopher://example.com/', `http://user:pw@127.0.0.1:${v4.port}/hello`]) {
      const error = expectError(await make().request(`${v4.origin}/to?target=${encodeURIComponent(target)}`));
      assert.equal(error.kind, 'bad-url', target);
    }
  });

  void it('turns a POST into a GET without body after 303', async () => {
    const response = expectOk(await make().request(`${v4.origin}/see-other`, { method: 'POST', body: 'payload' }));
    const echoed = JSON.parse(response.body.toString()) as { method: string };
    assert.equal(echoed.method, 'GET');
    assert.equal(v4.requests.at(-1)?.body.length, 0);
  });

  void it('refuses a 5 MiB body announced by Content-Length', async () => {
    const error = expectError(await make().request(`${v4.origin}/big-declared`));
    assert.deepEqual(error, { kind: 'too-large', limit: DEFAULT_MAX_BYTES });
  });

  void it('refuses a 5 MiB chunked body while streaming it', async () => {
    const error = expectError(await make().request(`${v4.origin}/big-chunked`));
    assert.deepEqual(error, { kind: 'too-large', limit: DEFAULT_MAX_BYTES });
  });

  void it('accepts a body of exactly maxBytes and refuses one byte more', async () => {
    const small = make({ maxBytes: 1000 });
    assert.equal(expectOk(await small.request(`${v4.origin}/sized?n=1000`)).body.length, 1000);
    assert.equal(expectError(await small.request(`${v4.origin}/sized?n=1001`)).kind, 'too-large');
  });

  void it('times out on a peer that never answers, after the configured total time', async () => {
    const started = Date.now();
    const error = expectError(await make({ timeoutMs: 300 }).request(`${v4.origin}/never`));
    const elapsed = Date.now() - started;
    assert.deepEqual(error, { kind: 'timeout', timeoutMs: 300 });
    assert.ok(elapsed >= 280 && elapsed < 2000, `elapsed ${elapsed} ms`);
  });

  void it('bounds the total time of a body that keeps trickling in', async () => {
    const started = Date.now();
    const error = expectError(await make({ timeoutMs: 400 }).request(`${v4.origin}/trickle`));
    assert.equal(error.kind, 'timeout');
    assert.ok(Date.now() - started < 2000);
  });

  void it('bounds the total time across redirect hops', async () => {
    // Three hops of 150 ms each: every hop is fast, the whole call is not.
    const error = expectError(await make({ timeoutMs: 300 }).request(`${v4.origin}/slow-chain?n=2`));
    assert.equal(error.kind, 'timeout');
    const ok = expectOk(await make({ timeoutMs: 3000 }).request(`${v4.origin}/slow-chain?n=2`));
    assert.equal(ok.body.toString(), 'done');
  });

  void it('uses the federation defaults: bodies up to 1 MiB (3 redirects: see above), 10 s', async () => {
    const f = make();
    assert.equal(expectOk(await f.request(`${v4.origin}/sized?n=${1024 * 1024}`)).body.length, 1024 * 1024);
    assert.deepEqual(expectError(await f.request(`${v4.origin}/sized?n=${1024 * 1024 + 1}`)), { kind: 'too-large', limit: 1024 * 1024 });
    // Waiting out 10 s would slow the suite: the effective setting is read back instead.
    assert.equal(f.timeoutMs, 10_000);
  });

  void it('rejects URLs that are not http(s) or carry credentials, without any traffic', async () => {
    for (const url of ['ftp://example.com/', 'not a url', 'http://user:pw@example.com/', 'data:text/plain,hi']) {
      assert.equal(expectError(await make().request(url)).kind, 'bad-url', url);
    }
  });

  void it('reports a refused connection as a network error', async () => {
    const closed = await startServer({ host: '127.0.0.1', handler: () => undefined });
    const origin = closed.origin;
    await closed.close();
    const error = expectError(await make().request(`${origin}/`));
    assert.equal(error.kind, 'network');
    if (error.kind === 'network') assert.equal(error.code, 'ECONNREFUSED');
  });

  void it('puts the signer headers on the wire, re-signed for every hop', async () => {
    const seen: SignableRequest[] = [];
    const signer = {
      sign: (request: SignableRequest): Record<string, string> => {
        seen.push(request);
        return { Signature: `sig-for ${new URL(request.url).search}`, Date: 'Thu, 01 Jan 2099 00:00:00 GMT' };
      },
    };
    const f = make({ signer });
    expectOk(await f.request(`${v4.origin}/chain?n=1`, { headers: { Accept: 'text/plain' }, sign: true }));
    assert.deepEqual(
      seen.map((r) => r.url),
      [`${v4.origin}/chain?n=1`, `${v4.origin}/chain?n=0`],
    );
    assert.equal(seen[0]?.headers['accept'], 'text/plain', 'the signer sees the headers it must cover');
    const last = v4.requests.at(-1);
    assert.equal(last?.headers['signature'], 'sig-for ?n=0');
    assert.equal(last?.headers['date'], 'Thu, 01 Jan 2099 00:00:00 GMT');
    // Unsigned calls carry no signature.
    expectOk(await f.request(`${v4.origin}/hello`));
    assert.equal(v4.requests.at(-1)?.headers['signature'], undefined);
  });

  void it('throws when asked to sign without a signer (a wiring bug, not a remote failure)', async () => {
    await assert.rejects(make().request(`${v4.origin}/hello`, { sign: true }), /no signer/);
  });
});
