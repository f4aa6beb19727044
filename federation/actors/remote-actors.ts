import type { Logger } from '../../server/core/logging/logger.js';
import type { Store } from '../../server/store/index.js';
import type { ApexApi, ApexObject } from '../apex/apex-api.js';
import { first } from './persona-actor.js';

/** How remote documents are fetched: through the safe client (see federation/net). */
export interface DocumentFetcher {
  /** An ActivityPub document (content type and id checked), or null with the reason logged. */
  activityPub(url: string): Promise<Record<string, unknown> | null>;
  /** Any JSON document (WebFinger), or null. */
  json(url: string): Promise<Record<string, unknown> | null>;
}

export type ResolveError = 'bad-address' | 'not-found' | 'not-an-actor' | 'instance-blocked';

const ACCT = /^@?([a-z0-9_.-]{1,64})@([a-z0-9.-]{1,253}(?::\d{1,5})?)$/i;

/**
 * Remote actors: resolved from `handle@host` through WebFinger or from their
 * URL, cached in the store, refreshed on demand.
 */
export class RemoteActors {
  constructor(private readonly deps: { apex: ApexApi; store: Pick<Store, 'apex'>; fetcher: DocumentFetcher; log: Logger; publicUrl: string; isBlockedHost?: (host: string) => boolean }) {}

  /** `handle@host`, `acct:handle@host` or an actor URL → the actor document (cached). */
  async resolve(target: string): Promise<{ ok: true; actor: ApexObject } | { ok: false; error: ResolveError }> {
    const cleaned = target.trim().replace(/^acct:/i, '');
    let actorUrl: string | undefined;
    const acct = ACCT.exec(cleaned);
    const ownHost = new URL(this.deps.publicUrl).host.toLowerCase();
    if (acct && acct[2]?.toLowerCase() === ownHost) {
      // A persona of this instance: no WebFinger round trip to ourselves.
      actorUrl = this.deps.apex.utils.usernameToIRI((acct[1] ?? '').toLowerCase());
    } else if (acct) {
      const [, user = '', host = ''] = acct;
      if (this.deps.isBlockedHost?.(host)) return { ok: false, error: 'instance-blocked' };
      const scheme = new URL(this.deps.publicUrl).protocol;
      const jrd = await this.deps.fetcher.json(`${scheme}//${host}/.well-known/webfinger?resource=${encodeURIComponent(`acct:${user}@${host}`)}`);
      const links = Array.isArray(jrd?.links) ? (jrd.links as Array<Record<string, unknown>>) : [];
      const self = links.find((l) => l.rel === 'self' && typeof l.href === 'string' && typeof l.type === 'string' && /activity\+json|ld\+json/.test(l.type));
      actorUrl = self?.href as string | undefined;
      if (!actorUrl) return { ok: false, error: 'not-found' };
    } else if (/^https?:\/\//i.test(cleaned)) {
      actorUrl = cleaned;
    } else {
      return { ok: false, error: 'bad-address' };
    }
    if (!this.isLocal(actorUrl) && this.blockedUrl(actorUrl)) return { ok: false, error: 'instance-blocked' };
    const actor = await this.byUrl(actorUrl, false);
    return actor ? { ok: true, actor } : { ok: false, error: 'not-an-actor' };
  }

  /** The cached actor, or a fresh fetch (then stored) when missing or `refresh` is asked. */
  async byUrl(url: string, refresh: boolean): Promise<ApexObject | null> {
    const cached = refresh && !this.isLocal(url) ? null : await this.stored(url);
    if (cached || this.isLocal(url)) return cached;
    const actor = await this.fetch(url);
    if (actor) await this.save(actor);
    return actor;
  }

  /** The actor as this server keeps it (ours, or a remote one stored before); never fetches. */
  async stored(url: string): Promise<ApexObject | null> {
    if (this.isLocal(url)) {
      // Our own actors live in the store; never fetch ourselves.
      const local = (await this.deps.store.apex.getObject(url.toLowerCase(), true)) as ApexObject | null;
      return local && local.type !== 'Tombstone' ? local : null;
    }
    return (await this.deps.store.apex.getObject(url, true)) as ApexObject | null;
  }

  /**
   * Fetches and parses a remote actor without storing it (the inbox keeps an
   * actor only once a signature of it verified); null when it cannot be had.
   */
  async fetch(url: string): Promise<ApexObject | null> {
    if (this.isLocal(url)) return null;
    const doc = await this.deps.fetcher.activityPub(url);
    if (!doc) return null;
    let actor: ApexObject;
    try {
      actor = await this.deps.apex.fromJSONLD(doc);
    } catch (e) {
      // Invalid JSON-LD or a context that cannot be had: this one document is refused.
      this.deps.log.info({ url, reason: e instanceof Error ? e.message : String(e) }, 'remote actor is not usable JSON-LD');
      return null;
    }
    if (!actor.inbox || !['Person', 'Service', 'Application', 'Group', 'Organization'].includes(actor.type)) return null;
    return actor;
  }

  /** Stores (or replaces) a remote actor fetched from its origin. */
  async save(actor: ApexObject): Promise<void> {
    const { store } = this.deps;
    if (await store.apex.getObject(actor.id)) await store.apex.updateObject(actor, null, true);
    else await store.apex.saveObject(actor);
  }

  /** The public key `keyId` names in an actor document, with its owner (which must be that actor). */
  static keyOf(actor: ApexObject, keyId: string): { owner: string; publicKeyPem: string } | null {
    const keys = (actor.publicKey as Array<Record<string, unknown>> | undefined) ?? [];
    const key = keys.find((k) => first(k.id) === keyId) ?? (keys.length === 1 ? keys[0] : undefined);
    const pem = first(key?.publicKeyPem);
    const owner = first(key?.owner) ?? actor.id;
    if (!pem || owner !== actor.id) return null;
    return { owner, publicKeyPem: pem };
  }

  private blockedUrl(url: string): boolean {
    try {
      return this.deps.isBlockedHost?.(new URL(url).host) ?? false;
    } catch {
      return false;
    }
  }

  private isLocal(url: string): boolean {
    return url.toLowerCase().startsWith(`${this.deps.publicUrl.toLowerCase()}/`);
  }
}
