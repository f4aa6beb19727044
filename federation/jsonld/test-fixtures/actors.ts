/**
 * Actor documents shaped like what real servers publish (contexts and
 * extension terms as Mastodon 4.x and Fedify send them), for the offline
 * JSON-LD tests. Hosts are example domains; keys are placeholders.
 */

const PEM = '-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAtest\n-----END PUBLIC KEY-----\n';

/** A Mastodon actor: AS + security/v1 + Mastodon's inline extension terms. */
export const MASTODON_ACTOR = {
  '@context': [
    'https://www.w3.org/ns/activitystreams',
    'https://w3id.org/security/v1',
    {
      manuallyApprovesFollowers: 'as:manuallyApprovesFollowers',
      toot: 'http://joinmastodon.org/ns#',
      featured: { '@id': 'toot:featured', '@type': '@id' },
      featuredTags: { '@id': 'toot:featuredTags', '@type': '@id' },
      alsoKnownAs: { '@id': 'as:alsoKnownAs', '@type': '@id' },
      movedTo: { '@id': 'as:movedTo', '@type': '@id' },
      schema: 'http://schema.org#',
      PropertyValue: 'schema:PropertyValue',
      value: 'schema:value',
      discoverable: 'toot:discoverable',
      suspended: 'toot:suspended',
      memorial: 'toot:memorial',
      indexable: 'toot:indexable',
      attributionDomains: { '@id': 'toot:attributionDomains', '@type': '@id' },
      Emoji: 'toot:Emoji',
      focalPoint: { '@container': '@list', '@id': 'toot:focalPoint' },
    },
  ],
  id: 'https://mastodon.example/users/alice',
  type: 'Person',
  following: 'https://mastodon.example/users/alice/following',
  followers: 'https://mastodon.example/users/alice/followers',
  inbox: 'https://mastodon.example/users/alice/inbox',
  outbox: 'https://mastodon.example/users/alice/outbox',
  featured: 'https://mastodon.example/users/alice/collections/featured',
  featuredTags: 'https://mastodon.example/users/alice/collections/tags',
  preferredUsername: 'alice',
  name: 'Alice',
  summary: '<p>Night owl.</p>',
  url: 'https://mastodon.example/@alice',
  manuallyApprovesFollowers: false,
  discoverable: true,
  indexable: false,
  memorial: false,
  published: '2023-04-01T00:00:00Z',
  alsoKnownAs: ['https://old.example/users/alice'],
  publicKey: {
    id: 'https://mastodon.example/users/alice#main-key',
    owner: 'https://mastodon.example/users/alice',
    publicKeyPem: PEM,
  },
  tag: [{ id: 'https://mastodon.example/emojis/1', type: 'Emoji', name: ':owl:', icon: { type: 'Image', mediaType: 'image/png', url: 'https://mastodon.example/owl.png' } }],
  attachment: [{ type: 'PropertyValue', name: 'Website', value: '<a href="https://alice.example">alice.example</a>' }],
  endpoints: { sharedInbox: 'https://mastodon.example/inbox' },
  icon: { type: 'Image', mediaType: 'image/png', url: 'https://mastodon.example/avatar.png' },
};

/** A Fedify actor (as Fedify-based servers and Misskey forks publish): data-integrity, DID and Multikey contexts. */
export const FEDIFY_ACTOR = {
  '@context': [
    'https://www.w3.org/ns/activitystreams',
    'https://w3id.org/security/v1',
    'https://w3id.org/security/data-integrity/v1',
    'https://www.w3.org/ns/did/v1',
    'https://w3id.org/security/multikey/v1',
    {
      manuallyApprovesFollowers: 'as:manuallyApprovesFollowers',
      toot: 'http://joinmastodon.org/ns#',
      featured: { '@id': 'toot:featured', '@type': '@id' },
      discoverable: 'toot:discoverable',
      indexable: 'toot:indexable',
      misskey: 'https://misskey-hub.net/ns#',
      isCat: 'misskey:isCat',
      _misskey_followedMessage: 'misskey:_misskey_followedMessage',
      schema: 'http://schema.org#',
      PropertyValue: 'schema:PropertyValue',
      value: 'schema:value',
    },
  ],
  id: 'https://fedify.example/users/bob',
  type: 'Person',
  preferredUsername: 'bob',
  name: 'Bob',
  inbox: 'https://fedify.example/users/bob/inbox',
  outbox: 'https://fedify.example/users/bob/outbox',
  followers: 'https://fedify.example/users/bob/followers',
  following: 'https://fedify.example/users/bob/following',
  manuallyApprovesFollowers: true,
  discoverable: true,
  isCat: true,
  publicKey: {
    id: 'https://fedify.example/users/bob#main-key',
    type: 'CryptographicKey',
    owner: 'https://fedify.example/users/bob',
    publicKeyPem: PEM,
  },
  assertionMethod: [
    {
      id: 'https://fedify.example/users/bob#ed25519-key',
      type: 'Multikey',
      controller: 'https://fedify.example/users/bob',
      publicKeyMultibase: 'z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2',
    },
  ],
  endpoints: { sharedInbox: 'https://fedify.example/inbox' },
};

/** A Pleroma-style note whose context is LitePub (which itself imports the webfinger context). */
export const LITEPUB_NOTE = {
  '@context': ['https://www.w3.org/ns/activitystreams', 'https://litepub.social/litepub/context.jsonld', { '@language': 'und' }],
  id: 'https://pleroma.example/objects/1',
  type: 'Note',
  attributedTo: 'https://pleroma.example/users/carol',
  content: 'hello',
  directMessage: false,
  sensitive: false,
  to: ['https://www.w3.org/ns/activitystreams#Public'],
};

/** The context activitypub-express compacts everything to. */
export const APEX_CONTEXT = ['https://www.w3.org/ns/activitystreams', 'https://w3id.org/security/v1'];
