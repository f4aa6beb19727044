import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import { SafeFetcher } from '../net/index.js';
import { silentLogger, startServer, type TestServer } from '../net/test-fixtures/servers.js';
import { createRequestSigner, digestHeader, verifyRequest, type ResolvedKey, type VerifiedSignature, type VerifyError } from './index.js';
import type { Result } from '../../server/core/result.js';

/** The part of http-signature (the library activitypub-express verifies with) these tests use. */
interface HttpSignatureLib {
  signRequest(request: ClientRequest, options: { key: string; keyId: string; headers: string[]; algorithm?: string }): boolean;
  parseRequest(request: IncomingMessage): unknown;
  verifySignature(parsed: unknown, publicKeyPem: string): boolean;
}
const httpSignature = createRequire(import.meta.url)('http-signature') as HttpSignatureLib;

const KEY_ID = 'https://remote.example/actor#main-key';
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const privatePem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
const key: ResolvedKey = { owner: 'https://remote.example/actor', publicKeyPem: publicPem };

interface Seen {
  ours: Result<VerifiedSignature, VerifyError>;
  theirs: boolean;
}

void describe('interoperability with http-signature (what activitypub-express uses)', () => {
  let server: TestServer;
  const seen: Seen[] = [];

  before(async () => {
    server = await startServer({
      host: '127.0.0.1',
      handler: (req, res, body) => {
        void (async () => {
          const ours = await verifyRequest({
            method: req.method ?? '',
            path: req.url ?? '',
            headers: req.headers,
            rawBody: body,
            now: new Date(),
            resolveKey: () => Promise.resolve(key),
          });
          let theirs = false;
          try {
            theirs = httpSignature.verifySignature(httpSignature.parseRequest(req), publicPem);
          } catch {
            theirs = false;
          }
          seen.push({ ours, theirs });
          res.writeHead(200, { 'content-type': 'application/activity+json' });
          res.end(JSON.stringify({ id: `${server.origin}${req.url ?? ''}`, type: 'Person' }));
        })();
      },
    });
  });

  after(async () => {
    await server.close();
  });

  void it('verifies a request signed by the http-signature package, sent over a real socket', async () => {
    const body = '{"type":"Create"}';
    await new Promise<void>((resolve, reject) => {
      const req = httpRequest(`${server.origin}/inbox?from=lib`, {
        method: 'POST',
        headers: { date: new Date().toUTCString(), digest: digestHeader(body), 'content-type': 'application/activity+json' },
      });
      httpSignature.signRequest(req, { key: privatePem, keyId: KEY_ID, headers: ['(request-target)', 'host', 'date', 'digest'], algorithm: 'rsa-sha256' });
      req.on('response', (res) => {
        res.resume();
        res.on('end', resolve);
      });
      req.on('error', reject);
      req.setTimeout(5000, () => req.destroy(new Error('timeout')));
      req.end(body);
    });
    const last = seen.at(-1);
    assert.equal(last?.theirs, true, 'http-signature accepts its own signature');
    assert.deepEqual(last?.ours, { ok: true, value: { keyId: KEY_ID, owner: key.owner, standard: 'draft-cavage' } });
  });

  void it('signs through the safe client so that both verifiers accept it (GET and POST)', async () => {
    const fetcher = new SafeFetcher({
      allowPrivate: ['127.0.0.0/8'],
      userAgent: 'hearth-test',
      log: silentLogger(),
      signer: createRequestSigner({ keyId: KEY_ID, privateKeyPem: privatePem }),
    });
    try {
      const document = await fetcher.fetchActivityPub(`${server.origin}/users/bob`, { sign: true });
      assert.equal(document.ok, true, JSON.stringify(document));
      const get = seen.at(-1);
      assert.equal(get?.ours.ok, true, JSON.stringify(get?.ours));
      assert.equal(get?.theirs, true);
      const signatureHeader = server.requests.at(-1)?.headers['signature'];
      assert.match(String(signatureHeader), /headers="\(request-target\) host date accept"/);

      const posted = await fetcher.request(`${server.origin}/inbox`, {
        method: 'POST',
        headers: { 'content-type': 'application/activity+json' },
        body: '{"type":"Follow"}',
        sign: true,
      });
      assert.equal(posted.ok, true);
      const post = seen.at(-1);
      assert.equal(post?.ours.ok, true, JSON.stringify(post?.ours));
      assert.equal(post?.theirs, true);
      assert.equal(server.requests.at(-1)?.headers['digest'], digestHeader('{"type":"Follow"}'));
    } finally {
      await fetcher.close();
    }
  });
});
