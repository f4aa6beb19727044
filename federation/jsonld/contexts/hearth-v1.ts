import type { ContextDocument } from './types.js';

/**
 * This project's own JSON-LD vocabulary for what ActivityStreams lacks on a
 * room's `Event`: its live status, the personas on stage, the listener count
 * and the endpoint where another instance asks to join. The terms are
 * documented one by one in docs/protocol/federation.md. Outgoing documents
 * define the same terms inline (as Mastodon does with `toot:`), so no peer
 * ever needs to fetch this context; it is bundled for documents that name
 * the URL instead.
 */
export const HEARTH_NAMESPACE = 'https://w3id.org/hearth/ns#';
export const HEARTH_CONTEXT_URL = 'https://w3id.org/hearth/ns/v1';

/** The term definitions, shared by the bundled context and the inline context of outgoing documents. */
export const HEARTH_TERMS = {
  hearth: HEARTH_NAMESPACE,
  roomStatus: { '@id': 'hearth:roomStatus', '@type': 'xsd:string' },
  speakers: { '@id': 'hearth:speakers', '@type': '@id' },
  listenerCount: { '@id': 'hearth:listenerCount', '@type': 'xsd:nonNegativeInteger' },
  joinEndpoint: { '@id': 'hearth:joinEndpoint', '@type': '@id' },
} as const;

export const HEARTH_V1_CONTEXT: ContextDocument = {
  '@context': { xsd: 'http://www.w3.org/2001/XMLSchema#', ...HEARTH_TERMS },
};
