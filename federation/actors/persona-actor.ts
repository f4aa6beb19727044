import { generateKeyPair } from 'node:crypto';
import { promisify } from 'node:util';
import type { ApexApi, ApexObject } from '../apex/apex-api.js';
import { SHARED_INBOX_PATH } from '../apex/create-apex.js';

const generateKeyPairAsync = promisify(generateKeyPair);

/** The profile fields a persona's Person document carries. */
export interface PersonaProfile {
  handle: string;
  displayName: string;
  summary: string;
  discoverable: boolean;
  approveFollowers: boolean;
}

/** A fresh RSA-2048 key pair (what Mastodon verifies), PEM encoded. */
export async function generateActorKeys(): Promise<{ publicKeyPem: string; privateKeyPem: string }> {
  const pair = await generateKeyPairAsync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return { publicKeyPem: pair.publicKey, privateKeyPem: pair.privateKey };
}

/**
 * The Person document of a persona, as served. It deliberately carries no
 * `published` date (two personas created together would share it), no
 * account identifier and nothing instance-specific beyond the shared inbox:
 * each persona must stand alone.
 */
export function personaDocument(apex: ApexApi, publicUrl: string, profile: PersonaProfile, publicKeyPem: string): Record<string, unknown> {
  const id = apex.utils.usernameToIRI(profile.handle);
  const streams = apex.utils.nameToActorStreams(profile.handle);
  return {
    id,
    type: 'Person',
    preferredUsername: profile.handle,
    name: profile.displayName,
    summary: profile.summary,
    inbox: streams.inbox,
    outbox: streams.outbox,
    followers: streams.followers,
    following: streams.following,
    liked: streams.liked,
    url: id,
    manuallyApprovesFollowers: profile.approveFollowers,
    discoverable: profile.discoverable,
    indexable: profile.discoverable,
    endpoints: { id: `${id}#endpoints`, sharedInbox: `${publicUrl}${SHARED_INBOX_PATH}` },
    publicKey: { id: `${id}#main-key`, owner: id, publicKeyPem },
  };
}

/** The document in apex's stored form, with the private key kept in `_meta` (never served). */
export async function storedPersonaActor(apex: ApexApi, publicUrl: string, profile: PersonaProfile, keys: { publicKeyPem: string; privateKeyPem: string }): Promise<ApexObject> {
  const doc = personaDocument(apex, publicUrl, profile, keys.publicKeyPem);
  const actor = await apex.fromJSONLD({ '@context': apex.context, ...doc });
  actor._meta = { privateKey: keys.privateKeyPem };
  return actor;
}

/** First element of an apex array property, when it is a string. */
export function first(value: unknown): string | undefined {
  const v = Array.isArray(value) ? (value[0] as unknown) : value;
  if (typeof v === 'string') return v;
  if (typeof v === 'object' && v !== null && typeof (v as { id?: unknown }).id === 'string') return (v as { id: string }).id;
  return undefined;
}
