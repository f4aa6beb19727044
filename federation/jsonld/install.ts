import type { DocumentLoader } from './document-loader.js';

/** The one member of an activitypub-express instance this module touches. */
export interface ApexContextLoaderHost {
  jsonldContextLoader: unknown;
}

/**
 * Makes activitypub-express resolve every JSON-LD context through `loader`.
 *
 * What it overrides: `apex.jsonldContextLoader`, an own property that the
 * apex factory sets to its bound `jsonldContextLoader`. apex's `fromJSONLD`
 * (inbox bodies, fetched objects and actors, collections) and `toJSONLD`
 * (everything apex serves or delivers) read `this.jsonldContextLoader` on
 * every call and pass it to `jsonld.compact`, so replacing the property
 * replaces, for all of them: apex's in-memory copies of ActivityStreams and
 * security/v1 (ours are the same documents), its context cache in
 * `store.getContext`/`store.saveContext` (ours is the ContextCache given to
 * createDocumentLoader), and its unguarded `jsonld.documentLoaders.node()`
 * download (ours goes through the safe client). Nothing in node_modules is
 * patched, and jsonld's process-wide default loader is left alone: code
 * that calls jsonld itself must pass `documentLoader` explicitly.
 *
 * @throws Error when the object does not look like an apex instance of the
 *   expected shape (a changed apex version must fail at boot, not silently
 *   fall back to its own loader)
 */
export function installDocumentLoader(apex: ApexContextLoaderHost, loader: DocumentLoader): void {
  if (typeof apex.jsonldContextLoader !== 'function') {
    throw new Error('installDocumentLoader: apex has no jsonldContextLoader to replace (activitypub-express changed?)');
  }
  // apex calls it as documentLoader(url, options); ours ignores the options.
  apex.jsonldContextLoader = loader;
}
