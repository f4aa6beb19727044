import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { err, type Result } from '../../server/core/result.js';
import { silentLogger } from '../net/test-fixtures/servers.js';
import { createDocumentLoader, installDocumentLoader, type DocumentLoader, type JsonObject, type RemoteDocument } from './index.js';
import { FEDIFY_ACTOR } from './test-fixtures/actors.js';
import { AP_ROUTES } from '../apex/create-apex.js';

/** The slice of an activitypub-express instance these tests drive. */
interface Apex {
  jsonldContextLoader: unknown;
  fromJSONLD(document: object): Promise<JsonObject>;
  toJSONLD(document: object): Promise<JsonObject>;
}
type ApexFactory = (settings: Record<string, unknown>) => Apex;
const createApex = createRequire(import.meta.url)('activitypub-express') as ApexFactory;

function realApex(): Apex {
  const routes = AP_ROUTES;
  // The store is never reached: contexts no longer go through apex's store.
  return createApex({ name: 'hearth-test', version: '0', domain: 'rooms.example', actorParam: 'actor', objectParam: 'id', routes, store: {}, logger: silentLogger() });
}

/** Wraps a loader to record every URL apex asks it for. */
function recording(loader: DocumentLoader): DocumentLoader & { urls: string[] } {
  const urls: string[] = [];
  const wrapped = (url: string): Promise<RemoteDocument> => {
    urls.push(url);
    return loader(url);
  };
  return Object.assign(wrapped, { urls });
}

void describe('installDocumentLoader on a real activitypub-express instance', () => {
  const fetched: string[] = [];
  const offline = {
    request: (url: string): Promise<Result<{ status: number; body: Buffer }, { kind: string }>> => {
      fetched.push(url);
      return Promise.resolve(err({ kind: 'network' }));
    },
  };
  const cached = new Map<string, JsonObject>([
    ['https://hearth.example/ns', { '@context': { hearth: 'https://hearth.example/ns#', liveStatus: 'hearth:liveStatus' } }],
  ]);
  const cache = { get: (url: string) => Promise.resolve(cached.get(url)), put: () => Promise.resolve() };

  void it('makes apex.fromJSONLD resolve contexts through our loader, with no network', async () => {
    const apex = realApex();
    const loader = recording(createDocumentLoader({ fetcher: offline, cache, log: silentLogger() }));
    installDocumentLoader(apex, loader);
    assert.equal(apex.jsonldContextLoader, loader);

    // Data-integrity, DID and Multikey are not in apex's own two core
    // contexts: apex's loader would have downloaded them.
    const actor = await apex.fromJSONLD(structuredClone(FEDIFY_ACTOR));
    assert.deepEqual(actor['id'], 'https://fedify.example/users/bob');
    assert.deepEqual(actor['inbox'], ['https://fedify.example/users/bob/inbox']);
    for (const url of ['https://w3id.org/security/data-integrity/v1', 'https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1']) {
      assert.ok(loader.urls.includes(url), `apex asked our loader for ${url}`);
    }

    const room = await apex.fromJSONLD({
      '@context': ['https://www.w3.org/ns/activitystreams', 'https://hearth.example/ns'],
      id: 'https://remote.example/rooms/1',
      type: 'Event',
      liveStatus: 'live',
    });
    assert.deepEqual(room['https://hearth.example/ns#liveStatus'], ['live']);
    assert.deepEqual(fetched, [], 'nothing went to the network');
  });

  void it('keeps apex.toJSONLD working for what apex serves', async () => {
    const apex = realApex();
    installDocumentLoader(apex, createDocumentLoader({ fetcher: offline, cache, log: silentLogger() }));
    const served = await apex.toJSONLD({ id: 'https://rooms.example/o/1', type: 'Note', content: ['hi'] });
    assert.equal(served['content'], 'hi');
    assert.deepEqual(served['@context'], ['https://www.w3.org/ns/activitystreams', 'https://w3id.org/security/v1']);
  });

  void it('refuses an object that is not an apex instance of the expected shape', () => {
    const loader = createDocumentLoader({ fetcher: offline, cache, log: silentLogger() });
    assert.throws(() => installDocumentLoader({ jsonldContextLoader: undefined }, loader), /no jsonldContextLoader/);
  });
});
