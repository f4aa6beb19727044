import type { ContextDocument } from './types.js';

/**
 * `https://gotosocial.org/ns`, GoToSocial's interaction-controls vocabulary
 * (interaction policies, interaction requests and authorizations).
 *
 * Written from the terms GoToSocial documents ("Interaction Controls" in its
 * federation docs) with the IRIs of the published context document, which
 * keeps one historical quirk: `LikeAuthorization` maps to `gts:LikeApproval`.
 * See README.md.
 */
export const GOTOSOCIAL_CONTEXT: ContextDocument = {
  '@context': {
    xsd: 'http://www.w3.org/2001/XMLSchema#',
    gts: 'https://gotosocial.org/ns#',
    LikeRequest: 'gts:LikeRequest',
    ReplyRequest: 'gts:ReplyRequest',
    AnnounceRequest: 'gts:AnnounceRequest',
    QuoteRequest: 'gts:QuoteRequest',
    LikeAuthorization: 'gts:LikeApproval',
    ReplyAuthorization: 'gts:ReplyAuthorization',
    AnnounceAuthorization: 'gts:AnnounceAuthorization',
    QuoteAuthorization: 'gts:QuoteAuthorization',
    likeAuthorization: { '@id': 'gts:likeAuthorization', '@type': '@id' },
    replyAuthorization: { '@id': 'gts:replyAuthorization', '@type': '@id' },
    announceAuthorization: { '@id': 'gts:announceAuthorization', '@type': '@id' },
    quoteAuthorization: { '@id': 'gts:quoteAuthorization', '@type': '@id' },
    interactingObject: { '@id': 'gts:interactingObject', '@type': '@id' },
    interactionTarget: { '@id': 'gts:interactionTarget', '@type': '@id' },
    interactionPolicy: { '@id': 'gts:interactionPolicy', '@type': '@id' },
    canLike: { '@id': 'gts:canLike', '@type': '@id' },
    canReply: { '@id': 'gts:canReply', '@type': '@id' },
    canAnnounce: { '@id': 'gts:canAnnounce', '@type': '@id' },
    canQuote: { '@id': 'gts:canQuote', '@type': '@id' },
    automaticApproval: { '@id': 'gts:automaticApproval', '@type': '@id' },
    manualApproval: { '@id': 'gts:manualApproval', '@type': '@id' },
    hidesToPublicFromUnauthedWeb: { '@id': 'gts:hidesToPublicFromUnauthedWeb', '@type': 'xsd:boolean' },
    hidesCcPublicFromUnauthedWeb: { '@id': 'gts:hidesCcPublicFromUnauthedWeb', '@type': 'xsd:boolean' },
    always: { '@id': 'gts:always', '@type': '@id' },
    approvalRequired: { '@id': 'gts:approvalRequired', '@type': '@id' },
    approvedBy: { '@id': 'gts:approvedBy', '@type': '@id' },
  },
};
