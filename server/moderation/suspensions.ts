/**
 * Account suspension, following Mastodon's convention for suspended actors:
 * the account cannot sign in (its sessions end at once), and its personas
 * and rooms are hidden from everyone else while it lasts (left out of the
 * directory and search, their rooms not listed nor joinable, their actor
 * documents reduced to a stub marked `suspended`). Nothing is deleted:
 * lifting the suspension brings everything back.
 *
 * Checks are synchronous against an in-memory set, re-read from the store
 * every few seconds (suspensions made with the command line).
 */
import type { DomainEvents } from '../core/domain-events.js';
import type { Logger } from '../core/logging/logger.js';
import { err, ok, type Result } from '../core/result.js';
import type { Store } from '../store/index.js';
import type { AuditLog, StaffActor } from './audit-log.js';
import type { ModerationErrorOf } from './errors.js';
import type { ModerationEvents } from './events.js';

export class Suspensions {
  #suspended = new Set<string>();
  #loaded = false;

  constructor(private readonly deps: {
    store: Pick<Store, 'moderation' | 'accounts' | 'personas' | 'sessions'>;
    audit: AuditLog;
    log: Logger;
    events: DomainEvents<ModerationEvents>;
    now?: () => number;
  }) {}

  /** Reads the suspensions (at boot, then every few seconds); new ones seen after boot are announced. */
  async load(): Promise<void> {
    const before = this.#suspended;
    const announce = this.#loaded;
    this.#suspended = new Set(await this.deps.store.moderation.suspendedAccounts());
    this.#loaded = true;
    if (!announce) return;
    for (const id of this.#suspended) if (!before.has(id)) await this.#announce(id);
  }

  isSuspended(accountId: string): boolean {
    return this.#suspended.has(accountId);
  }

  async suspend(actor: StaffActor, username: string, reason: string): Promise<Result<{ username: string; suspended: true }, ModerationErrorOf<'account_not_found'>>> {
    const { store } = this.deps;
    const account = await store.accounts.findByUsername(username);
    if (!account) return err({ kind: 'account_not_found' });
    await store.moderation.suspendAccount(account.id, new Date((this.deps.now ?? Date.now)()), reason);
    this.#suspended.add(account.id);
    const ended = await store.sessions.deleteAllForAccount(account.id);
    await this.deps.audit.record(actor, 'account.suspend', username, reason);
    this.deps.log.info({ sessionsEnded: ended }, 'account suspended');
    await this.#announce(account.id);
    return ok({ username, suspended: true });
  }

  async lift(actor: StaffActor, username: string, reason: string): Promise<Result<{ username: string; suspended: false }, ModerationErrorOf<'account_not_found'>>> {
    const { store } = this.deps;
    const account = await store.accounts.findByUsername(username);
    if (!account || !(await store.moderation.liftSuspension(account.id))) return err({ kind: 'account_not_found' });
    this.#suspended.delete(account.id);
    await this.deps.audit.record(actor, 'account.unsuspend', username, reason);
    this.deps.log.info('account suspension lifted');
    return ok({ username, suspended: false });
  }

  async #announce(accountId: string): Promise<void> {
    const personaIds = (await this.deps.store.personas.listByAccount(accountId)).map((p) => p.id);
    await this.deps.events.emit('accountSuspended', { accountId, personaIds });
  }
}
