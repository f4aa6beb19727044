import type { ContextDocument } from './types.js';

/**
 * `https://litepub.social/litepub/context.jsonld`, the LitePub context that
 * Pleroma and Akkoma documents reference (each instance also serves a copy
 * at `/schemas/litepub-0.1.jsonld`, fetched through the safe client).
 *
 * Written from the term definitions Pleroma publishes in
 * `priv/static/schemas/litepub-0.1.jsonld`, plus the terms Akkoma's copy adds
 * (none of them conflict). See README.md.
 */
export const LITEPUB_CONTEXT: ContextDocument = {
  '@context': [
    'https://www.w3.org/ns/activitystreams',
    'https://w3id.org/security/v1',
    'https://purl.archive.org/socialweb/webfinger',
    {
      // Prefixes
      ostatus: 'http://ostatus.org#',
      schema: 'http://schema.org#',
      toot: 'http://joinmastodon.org/ns#',
      fedibird: 'http://fedibird.com/ns#',
      litepub: 'http://litepub.social/ns#',
      vcard: 'http://www.w3.org/2006/vcard/ns#',
      misskey: 'https://misskey-hub.net/ns#',
      sm: 'http://smithereen.software/ns#',
      firefish: 'https://joinfirefish.org/ns#',
      sharkey: 'https://joinsharkey.org/ns#',
      gts: 'https://gotosocial.org/ns#',
      // Pleroma
      Emoji: 'toot:Emoji',
      Hashtag: 'as:Hashtag',
      PropertyValue: 'schema:PropertyValue',
      atomUri: 'ostatus:atomUri',
      conversation: { '@id': 'ostatus:conversation', '@type': '@id' },
      discoverable: 'toot:discoverable',
      manuallyApprovesFollowers: 'as:manuallyApprovesFollowers',
      capabilities: 'litepub:capabilities',
      value: 'schema:value',
      sensitive: 'as:sensitive',
      invisible: 'litepub:invisible',
      directMessage: 'litepub:directMessage',
      listMessage: { '@id': 'litepub:listMessage', '@type': '@id' },
      quoteUrl: 'as:quoteUrl',
      quoteUri: 'fedibird:quoteUri',
      oauthRegistrationEndpoint: { '@id': 'litepub:oauthRegistrationEndpoint', '@type': '@id' },
      EmojiReact: 'litepub:EmojiReact',
      ChatMessage: 'litepub:ChatMessage',
      alsoKnownAs: { '@id': 'as:alsoKnownAs', '@type': '@id' },
      formerRepresentations: 'litepub:formerRepresentations',
      nonAnonymous: 'sm:nonAnonymous',
      isCat: 'misskey:isCat',
      speakAsCat: 'firefish:speakAsCat',
      // Akkoma additions
      contentMap: { '@id': 'as:content', '@container': '@language' },
      featured: { '@id': 'toot:featured', '@type': '@id' },
      backgroundUrl: { '@id': 'sharkey:backgroundUrl', '@type': '@id' },
      QuoteAuthorization: 'https://w3id.org/fep/044f#QuoteAuthorization',
      QuoteRequest: 'https://w3id.org/fep/044f#QuoteRequest',
      quote: { '@id': 'https://w3id.org/fep/044f#quote', '@type': '@id' },
      quoteAuthorization: { '@id': 'https://w3id.org/fep/044f#quoteAuthorization', '@type': '@id' },
      interactionPolicy: { '@id': 'gts:interactionPolicy', '@type': '@id' },
      canQuote: { '@id': 'gts:canQuote', '@type': '@id' },
      automaticApproval: { '@id': 'gts:automaticApproval', '@type': '@id' },
      manualApproval: { '@id': 'gts:manualApproval', '@type': '@id' },
      interactingObject: { '@id': 'gts:interactingObject', '@type': '@id' },
      interactionTarget: { '@id': 'gts:interactionTarget', '@type': '@id' },
    },
  ],
};
