import type { ContextDocument } from './types.js';

/**
 * `https://purl.archive.org/socialweb/webfinger` (SocialCG "ActivityPub and
 * WebFinger" report): the `webfinger` property giving an actor's preferred
 * WebFinger address. Written from its published term definitions; see README.md.
 */
export const WEBFINGER_CONTEXT: ContextDocument = {
  '@context': {
    wf: 'https://purl.archive.org/socialweb/webfinger#',
    xsd: 'http://www.w3.org/2001/XMLSchema#',
    webfinger: { '@id': 'wf:webfinger', '@type': 'xsd:string' },
  },
};
