/**
 * JSON-LD context handling for federation: the contexts the fediverse uses,
 * bundled; a document loader that fetches any other context only through
 * the safe client and keeps it in memory for a while (never in the store); and the hook into activitypub-express.
 */
export {
  createDocumentLoader,
  findContextUnavailable,
  ContextUnavailableError,
  type ContextCache,
  type ContextFetcher,
  type ContextUnavailableReason,
  type DocumentLoader,
  type DocumentLoaderOptions,
  type JsonObject,
  type RemoteDocument,
} from './document-loader.js';
export { BUNDLED_CONTEXTS } from './bundled-contexts.js';
export { MemoryContextCache } from './memory-cache.js';
export { installDocumentLoader, type ApexContextLoaderHost } from './install.js';
export type { ContextDocument } from './contexts/types.js';
