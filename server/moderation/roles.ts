/**
 * Roles belong to accounts, never to personas: `admin` (the account's
 * `isAdmin`, as before), `moderator` (moderation's own table), or none.
 * Nothing served about a persona mentions a role, so a moderator's personas
 * stay unlinkable to each other and to the role.
 *
 * The first account of a fresh instance becomes admin, and so does any
 * account whose username the configuration lists (`accounts.admins`).
 */
import type { Logger } from '../core/logging/logger.js';
import { err, ok, type Result } from '../core/result.js';
import type { Store } from '../store/index.js';
import type { AuditLog, StaffActor } from './audit-log.js';
import type { ModerationErrorOf } from './errors.js';

export type AccountRole = 'admin' | 'moderator';

export class Roles {
  /** Serializes first-account promotion: two first sign-ups at once must not both become admin. */
  private promotion: Promise<void> = Promise.resolve();

  constructor(private readonly deps: { store: Pick<Store, 'moderation' | 'accounts'>; audit: AuditLog; admins: readonly string[]; log: Logger }) {}

  async roleOf(account: { id: string; isAdmin: boolean }): Promise<AccountRole | null> {
    if (account.isAdmin) return 'admin';
    return (await this.deps.store.moderation.moderators()).includes(account.id) ? 'moderator' : null;
  }

  /** Every account with a role: administrators first, then moderators, each by username. */
  async staff(): Promise<{ username: string; role: AccountRole }[]> {
    const { store } = this.deps;
    const admins = await store.accounts.listAdmins();
    const moderators: string[] = [];
    for (const id of await store.moderation.moderators()) {
      const account = await store.accounts.findById(id);
      // An administrator who also holds the moderator row is listed once, as administrator.
      if (account && !account.isAdmin) moderators.push(account.username);
    }
    return [...admins.map((username) => ({ username, role: 'admin' as const })), ...moderators.sort().map((username) => ({ username, role: 'moderator' as const }))];
  }

  /** Sets the role of an account by username (null: no role); recorded in the audit log. */
  async setRole(actor: StaffActor, username: string, role: AccountRole | null): Promise<Result<{ username: string; role: AccountRole | null }, ModerationErrorOf<'account_not_found'>>> {
    const { store } = this.deps;
    const account = await store.accounts.findByUsername(username);
    if (!account) return err({ kind: 'account_not_found' });
    const before = await this.roleOf(account);
    await store.accounts.setAdmin(username, role === 'admin');
    await store.moderation.setModerator(account.id, role === 'moderator');
    if (before !== role) {
      if (before) await this.deps.audit.record(actor, 'role.revoke', username, before);
      if (role) await this.deps.audit.record(actor, 'role.grant', username, role);
    }
    return ok({ username, role });
  }

  /** A new account: admin when it is the instance's first, or named in the configuration. */
  accountCreated(account: { id: string; username: string }): Promise<void> {
    const run = this.promotion.then(async () => {
      const { store, log } = this.deps;
      const first = (await store.accounts.count()) === 1;
      if (first || this.deps.admins.includes(account.username)) {
        await store.accounts.setAdmin(account.username, true);
        log.info({ reason: first ? 'first account' : 'configured' }, 'account made administrator');
      }
    });
    this.promotion = run.catch(() => undefined);
    return run;
  }

  /** At boot: the configured administrators that exist are administrators. */
  async applyConfiguredAdmins(): Promise<void> {
    for (const username of this.deps.admins) {
      const account = await this.deps.store.accounts.findByUsername(username);
      if (account && !account.isAdmin) await this.deps.store.accounts.setAdmin(username, true);
    }
  }
}
