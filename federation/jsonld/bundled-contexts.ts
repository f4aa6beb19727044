import { createRequire } from 'node:module';
import { GOTOSOCIAL_CONTEXT } from './contexts/gotosocial.js';
import { HEARTH_CONTEXT_URL, HEARTH_V1_CONTEXT } from './contexts/hearth-v1.js';
import { IDENTITY_V1_CONTEXT } from './contexts/identity-v1.js';
import { LITEPUB_CONTEXT } from './contexts/litepub.js';
import type { ContextDocument } from './contexts/types.js';
import { WEBFINGER_CONTEXT } from './contexts/webfinger.js';

// The context packages are CommonJS without type declarations; each exports
// `contexts`, a Map from context URL to the parsed document.
const require = createRequire(import.meta.url);

interface ContextPackage {
  readonly contexts: ReadonlyMap<string, ContextDocument>;
}

function fromPackage(name: string, url: string): ContextDocument {
  const document = (require(name) as ContextPackage).contexts.get(url);
  if (document === undefined) throw new Error(`package ${name} does not ship the context ${url}`);
  return document;
}

/**
 * ActivityStreams exactly as activitypub-express bundles it, so replacing
 * apex's loader does not change how apex compacts anything.
 */
const ACTIVITY_STREAMS = require('activitypub-express/vocab/as.json') as ContextDocument;

const SECURITY_V1 = 'https://w3id.org/security/v1';
const SECURITY_V2 = 'https://w3id.org/security/v2';
const DATA_INTEGRITY_V1 = 'https://w3id.org/security/data-integrity/v1';
const DATA_INTEGRITY_V2 = 'https://w3id.org/security/data-integrity/v2';
const MULTIKEY_V1 = 'https://w3id.org/security/multikey/v1';
const DID_V1 = 'https://www.w3.org/ns/did/v1';

/**
 * Every context answered from memory, keyed by every URL it is known under.
 * Sources are listed in contexts/README.md.
 */
export const BUNDLED_CONTEXTS: ReadonlyMap<string, ContextDocument> = new Map<string, ContextDocument>([
  ['https://www.w3.org/ns/activitystreams', ACTIVITY_STREAMS],
  ['http://www.w3.org/ns/activitystreams', ACTIVITY_STREAMS],
  ['https://www.w3.org/ns/activitystreams.jsonld', ACTIVITY_STREAMS],
  ['http://www.w3.org/ns/activitystreams.jsonld', ACTIVITY_STREAMS],
  [SECURITY_V1, fromPackage('@digitalbazaar/security-context', SECURITY_V1)],
  [SECURITY_V2, fromPackage('@digitalbazaar/security-context', SECURITY_V2)],
  [DATA_INTEGRITY_V1, fromPackage('@digitalbazaar/data-integrity-context', DATA_INTEGRITY_V1)],
  [DATA_INTEGRITY_V2, fromPackage('@digitalbazaar/data-integrity-context', DATA_INTEGRITY_V2)],
  [MULTIKEY_V1, fromPackage('@digitalbazaar/multikey-context', MULTIKEY_V1)],
  [DID_V1, fromPackage('did-context', DID_V1)],
  ['https://w3id.org/identity/v1', IDENTITY_V1_CONTEXT],
  ['https://litepub.social/litepub/context.jsonld', LITEPUB_CONTEXT],
  ['https://purl.archive.org/socialweb/webfinger', WEBFINGER_CONTEXT],
  ['http://purl.archive.org/socialweb/webfinger', WEBFINGER_CONTEXT],
  ['https://gotosocial.org/ns', GOTOSOCIAL_CONTEXT],
  [HEARTH_CONTEXT_URL, HEARTH_V1_CONTEXT],
]);
