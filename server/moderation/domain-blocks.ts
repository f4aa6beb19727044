/**
 * Domain blocks: `suspend` (nothing in, nothing out, everything of theirs
 * purged, their people out of live rooms) or `limit` (hidden from listings,
 * follows need approval, listen-only in rooms). A block covers the domain
 * and all its subdomains, however either is spelt.
 *
 * Checks are synchronous against an in-memory copy, so that every door
 * (inbox, key fetch, delivery, remote fetch) can ask before doing any work.
 * The copy changes at once through this service, and is re-read from the
 * store every few seconds so that blocks made with the command line bite
 * in the running server too. A domain that becomes suspended, by either
 * path, is announced as the `domainSuspended` domain event (the composition
 * root subscribes federation's purge, the cascade links and the rooms).
 */
import type { DomainEvents } from '../core/domain-events.js';
import type { Logger } from '../core/logging/logger.js';
import { err, ok, type Result } from '../core/result.js';
import type { DomainBlockLevel, DomainBlockRecord, ModerationRepository } from '../store/index.js';
import type { AuditLog, StaffActor } from './audit-log.js';
import { canonicalHost, domainAndParents, normalizeDomain } from './domain-names.js';
import type { ModerationErrorOf } from './errors.js';
import type { ModerationEvents } from './events.js';

export interface DomainBlockInput {
  domain: string;
  level: DomainBlockLevel;
  reason?: string | undefined;
  publicComment?: string | undefined;
}

export type DomainBlockPatch = Partial<Pick<DomainBlockRecord, 'level' | 'reason' | 'publicComment'>>;

type BlockError = ModerationErrorOf<'invalid_domain' | 'own_domain' | 'already_blocked' | 'block_not_found'>;

export class DomainBlocks {
  #blocks = new Map<string, DomainBlockRecord>();
  readonly #log: Logger;

  constructor(
    /** `log` is moderation's module logger. */
    private readonly deps: { repo: ModerationRepository; audit: AuditLog; ownHost: string; log: Logger; events: DomainEvents<ModerationEvents>; now?: () => number },
  ) {
    this.#log = deps.log;
  }

  /** Reads the blocks from the store (at boot). */
  async load(): Promise<void> {
    this.#blocks = new Map((await this.deps.repo.listDomainBlocks()).map((b) => [b.domain, b]));
  }

  /**
   * Re-reads the store; domains that became suspended meanwhile (e.g. from
   * the command line) are announced.
   */
  async refresh(): Promise<void> {
    const before = this.#blocks;
    await this.load();
    for (const [domain, block] of this.#blocks) {
      if (block.level === 'suspend' && before.get(domain)?.level !== 'suspend') await this.#announce(domain);
    }
  }

  /**
   * Announces every suspended domain once (at boot, after the listeners are
   * wired): a block made while the server was down is purged too. The
   * purges are idempotent.
   */
  async announceSuspended(): Promise<void> {
    for (const block of this.list()) if (block.level === 'suspend') await this.#announce(block.domain);
  }

  /** The block that covers `host` (`host[:port]`, any spelling): its own, or its nearest parent's. */
  blockOf(host: string): DomainBlockRecord | undefined {
    if (this.#blocks.size === 0) return undefined;
    const name = canonicalHost(host);
    if (!name) return undefined;
    for (const domain of domainAndParents(name)) {
      const block = this.#blocks.get(domain);
      if (block) return block;
    }
    return undefined;
  }

  levelOf(host: string): DomainBlockLevel | undefined {
    return this.blockOf(host)?.level;
  }

  isSuspended(host: string): boolean {
    return this.levelOf(host) === 'suspend';
  }

  /** The level for an actor or object URL; undefined for what is not a URL. */
  levelOfUrl(url: string): DomainBlockLevel | undefined {
    try {
      return this.levelOf(new URL(url).host);
    } catch {
      return undefined;
    }
  }

  list(): DomainBlockRecord[] {
    return [...this.#blocks.values()].sort((a, b) => a.domain.localeCompare(b.domain));
  }

  /** The canonical domain of a moderator's input, or why it cannot be blocked. */
  check(input: string): Result<string, ModerationErrorOf<'invalid_domain' | 'own_domain'>> {
    const domain = normalizeDomain(input);
    if (!domain.ok) {
      return err({
        kind: 'invalid_domain',
        message: domain.error === 'ip_literal'
          ? 'domain: an IP address cannot be blocked; block the domain name'
          : 'domain: not a domain name (expected e.g. rooms.example, without scheme, port or path)',
      });
    }
    const own = canonicalHost(this.deps.ownHost) ?? '';
    if (domainAndParents(own).includes(domain.value)) return err({ kind: 'own_domain' });
    return domain;
  }

  async create(actor: StaffActor, input: DomainBlockInput): Promise<Result<DomainBlockRecord, BlockError>> {
    const domain = this.check(input.domain);
    if (!domain.ok) return domain;
    if (await this.deps.repo.getDomainBlock(domain.value)) return err({ kind: 'already_blocked', domain: domain.value });
    const at = new Date((this.deps.now ?? Date.now)());
    const block: DomainBlockRecord = {
      domain: domain.value, level: input.level, reason: input.reason ?? '', publicComment: input.publicComment ?? '', createdAt: at, updatedAt: at,
    };
    await this.#save(block);
    await this.deps.audit.record(actor, 'domain_block.create', block.domain, `${block.level}${block.reason ? `: ${block.reason}` : ''}`);
    if (block.level === 'suspend') await this.#announce(block.domain);
    return ok(block);
  }

  async update(actor: StaffActor, input: string, patch: DomainBlockPatch): Promise<Result<DomainBlockRecord, BlockError>> {
    const domain = normalizeDomain(input);
    const current = domain.ok ? await this.deps.repo.getDomainBlock(domain.value) : undefined;
    if (!current) return err({ kind: 'block_not_found' });
    const block: DomainBlockRecord = { ...current, ...definedOnly(patch), updatedAt: new Date((this.deps.now ?? Date.now)()) };
    await this.#save(block);
    await this.deps.audit.record(actor, 'domain_block.update', block.domain, `${block.level}${block.reason ? `: ${block.reason}` : ''}`);
    if (block.level === 'suspend' && current.level !== 'suspend') await this.#announce(block.domain);
    return ok(block);
  }

  /** Lifts a block: federation resumes for new activity; what was purged stays purged. */
  async remove(actor: StaffActor, input: string, reason = ''): Promise<Result<DomainBlockRecord, BlockError>> {
    const domain = normalizeDomain(input);
    const current = domain.ok ? await this.deps.repo.getDomainBlock(domain.value) : undefined;
    if (!current || !(await this.deps.repo.deleteDomainBlock(current.domain))) return err({ kind: 'block_not_found' });
    this.#blocks.delete(current.domain);
    await this.deps.audit.record(actor, 'domain_block.delete', current.domain, reason);
    this.#log.info({ domain: current.domain }, 'domain block lifted');
    return ok(current);
  }

  async #save(block: DomainBlockRecord): Promise<void> {
    await this.deps.repo.putDomainBlock(block);
    // In memory before anything else happens: from here on every door refuses.
    this.#blocks.set(block.domain, block);
    this.#log.info({ domain: block.domain, level: block.level }, 'domain blocked');
  }

  /** Awaited: when a suspension answers, its people are out of rooms and its links closed. */
  async #announce(domain: string): Promise<void> {
    await this.deps.events.emit('domainSuspended', { domain });
  }
}

function definedOnly(patch: DomainBlockPatch): DomainBlockPatch {
  const defined: DomainBlockPatch = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
  return defined;
}
