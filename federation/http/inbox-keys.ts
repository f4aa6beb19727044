import type { ApexObject } from '../apex/apex-api.js';
import { RemoteActors } from '../actors/remote-actors.js';
import type { KeyResolver } from '../signatures/index.js';
import { HostRateLimiter } from './host-rate-limiter.js';

/** Limits of {@link InboxKeys}; the defaults suit production. */
export interface InboxKeyLimits {
  /** Key fetches per keyId host per minute. */
  perHostPerMinute: number;
  /** Key fetches per minute, all hosts together. */
  globalPerMinute: number;
  /** How long a keyId URL that could not be fetched is not tried again. */
  failureTtlMs: number;
  /** How long a fetched actor whose signature has not verified yet is kept in memory. */
  unverifiedTtlMs: number;
  /** At most this many remembered failures and unverified actors (each). */
  maxEntries: number;
  /** A key that failed verification is refetched at most once per this window. */
  refreshWindowMs: number;
  /** How long a host whose signature verified stays exempt from the global budget. */
  trustedHostTtlMs: number;
}

export const DEFAULT_INBOX_KEY_LIMITS: InboxKeyLimits = {
  perHostPerMinute: 30,
  globalPerMinute: 300,
  failureTtlMs: 10 * 60_000,
  unverifiedTtlMs: 10 * 60_000,
  maxEntries: 2_000,
  refreshWindowMs: 60_000,
  trustedHostTtlMs: 24 * 60 * 60_000,
};

/** What one inbox request learned about its key: a fetched actor to keep if it verifies, or a throttle. */
export interface KeyLookup {
  readonly resolveKey: KeyResolver;
  /** Seconds to wait when a key fetch was refused by the rate limit (the request gets 429). */
  throttledForSeconds(): number | undefined;
  /** The signature verified with this lookup's key: keep the actor that was fetched for it. */
  verified(): Promise<void>;
}

/** A map bounded in size whose entries expire; the oldest entry goes first when full. */
class ExpiringMap<V> {
  private readonly entries = new Map<string, { value: V; until: number }>();
  constructor(private readonly max: number, private readonly now: () => number) {}

  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.until > this.now()) return entry.value;
    this.entries.delete(key);
    return undefined;
  }

  set(key: string, value: V, ttlMs: number): void {
    this.entries.delete(key);
    while (this.entries.size >= this.max) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
    this.entries.set(key, { value, until: this.now() + ttlMs });
  }

  delete(key: string): void {
    this.entries.delete(key);
  }
}

/**
 * The inbox's signing keys. An inbox POST is unauthenticated until its
 * signature verifies, so nothing it names may cost this server much:
 *
 * - a key of an actor stored before (one whose signature verified) is used
 *   without a fetch; a refetch for key rotation happens at most once per
 *   key per `refreshWindowMs`;
 * - any fetch is first counted against the keyId's host and a global
 *   budget; over either, the request is answered 429 and nothing is fetched.
 *   A host whose signature verified here lately counts only against its own
 *   budget: many hostile hosts exhausting the global one do not lock out
 *   the instances this server already talks to (peer faults, ADR 0043);
 * - a keyId URL that could not be fetched (404, refused address, bad
 *   document) is not tried again for `failureTtlMs`;
 * - a fetched actor is stored only after a signature made with its key
 *   verified; until then it waits in memory (bounded, expiring), so that a
 *   stream of forged requests naming it causes one fetch, not one each.
 */
export class InboxKeys {
  private readonly hosts: HostRateLimiter;
  private readonly all: HostRateLimiter;
  private readonly failures: ExpiringMap<true>;
  private readonly unverified: ExpiringMap<ApexObject>;
  private readonly lastRefresh: ExpiringMap<true>;
  private readonly trusted: ExpiringMap<true>;

  constructor(
    private readonly remote: RemoteActors,
    private readonly limits: InboxKeyLimits = DEFAULT_INBOX_KEY_LIMITS,
    /** Instances this server refuses: their keys are never fetched. */
    private readonly isBlockedHost: (host: string) => boolean = () => false,
    now: () => number = Date.now,
  ) {
    this.hosts = new HostRateLimiter(limits.perHostPerMinute, 60_000, now);
    this.all = new HostRateLimiter(limits.globalPerMinute, 60_000, now);
    this.failures = new ExpiringMap(limits.maxEntries, now);
    this.unverified = new ExpiringMap(limits.maxEntries, now);
    this.lastRefresh = new ExpiringMap(limits.maxEntries, now);
    this.trusted = new ExpiringMap(limits.maxEntries, now);
  }

  /** A resolver for one request. */
  lookup(): KeyLookup {
    let fetched: { url: string; actor: ApexObject } | undefined;
    let keyHost: string | undefined;
    let throttled: number | undefined;

    const fetchActor = async (url: string): Promise<ApexObject | null> => {
      if (this.failures.get(url)) return null;
      let host: string;
      try {
        host = new URL(url).host;
      } catch {
        return null;
      }
      if (this.isBlockedHost(host)) return null;
      if (!this.hosts.take(host)) {
        throttled = this.hosts.retryAfterSeconds(host);
        return null;
      }
      if (!this.trusted.get(host) && !this.all.take('*')) {
        throttled = this.all.retryAfterSeconds('*');
        return null;
      }
      const actor = await this.remote.fetch(url);
      if (!actor) {
        this.failures.set(url, true, this.limits.failureTtlMs);
        return null;
      }
      this.unverified.set(url, actor, this.limits.unverifiedTtlMs);
      return actor;
    };

    const resolveKey: KeyResolver = async (keyId, { refresh }) => {
      const url = keyId.split('#')[0] ?? keyId;
      try {
        keyHost = new URL(url).host;
      } catch {
        keyHost = undefined;
      }
      if (!refresh) {
        const stored = await this.remote.stored(url);
        if (stored) return RemoteActors.keyOf(stored, keyId);
        const waiting = this.unverified.get(url);
        if (waiting) {
          fetched = { url, actor: waiting };
          // Fetched a moment ago: a key that does not verify is not refetched.
          const key = RemoteActors.keyOf(waiting, keyId);
          return key && { ...key, fresh: true };
        }
        const actor = await fetchActor(url);
        if (!actor) return null;
        fetched = { url, actor };
        const key = RemoteActors.keyOf(actor, keyId);
        return key && { ...key, fresh: true };
      }
      // Key rotation of a stored actor: at most one refetch per window per key, never in a loop.
      if (this.lastRefresh.get(keyId)) return null;
      this.lastRefresh.set(keyId, true, this.limits.refreshWindowMs);
      const actor = await fetchActor(url);
      if (!actor) return null;
      fetched = { url, actor };
      return RemoteActors.keyOf(actor, keyId);
    };

    return {
      resolveKey,
      throttledForSeconds: () => throttled,
      verified: async () => {
        if (keyHost !== undefined) this.trusted.set(keyHost, true, this.limits.trustedHostTtlMs);
        if (!fetched) return;
        this.unverified.delete(fetched.url);
        await this.remote.save(fetched.actor);
      },
    };
  }
}
