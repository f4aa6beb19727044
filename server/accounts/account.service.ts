/**
 * Accounts without phone number or e-mail: a private username, a password
 * and ten one-time recovery codes. Registration follows the instance's mode
 * (open, invite-only, closed).
 */
import type { Config } from '../../config/index.js';
import type { Logger } from '../core/logging/logger.js';
import { assertNever, err, ok, type Result } from '../core/result.js';
import type { AccountRecord, Store } from '../store/index.js';
import type { ClientInfo, Credentials } from './credentials.js';
import type { AccountsErrorOf } from './errors.js';
import type { PersonaHooks } from './hooks.js';
import { normalizeUsername } from './handles.js';
import { hashPassword } from './passwords.js';
import { hashCode, newOneTimeCode, randomId } from './secrets.js';

export const RECOVERY_CODE_COUNT = 10;

export type RegisterError = AccountsErrorOf<'registration_closed' | 'invite_required' | 'invite_unknown' | 'invite_used' | 'username_taken'>;

export interface AccountServiceDeps {
  store: Pick<Store, 'accounts'>;
  registration: Config['accounts']['registration'];
  credentials: Credentials;
  log: Logger;
  /** Told when a recovery ends every session of an account, and of new accounts once stored (moderation: the first account becomes admin). */
  hooks?: PersonaHooks;
  /** The registration mode right now, when administrators may change it at run time; `registration` otherwise. */
  registrationMode?: () => Config['accounts']['registration'];
}

function newRecoveryCodes(): { codes: string[]; hashes: string[] } {
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newOneTimeCode);
  return { codes, hashes: codes.map((c) => hashCode('recovery', c)) };
}

export class AccountService {
  private readonly log: Logger;

  constructor(private readonly deps: AccountServiceDeps) {
    this.log = deps.log.child({ module: 'accounts.account' });
  }

  /** Creates an account; the recovery codes are answered here once and stored only as hashes. */
  async register(input: { username: string; password: string; inviteCode?: string | undefined }): Promise<Result<{ account: AccountRecord; recoveryCodes: string[] }, RegisterError>> {
    const mode = this.deps.registrationMode?.() ?? this.deps.registration;
    let inviteHash: string | undefined;
    switch (mode) {
      case 'closed':
        return err({ kind: 'registration_closed' });
      case 'invite':
        if (!input.inviteCode) return err({ kind: 'invite_required' });
        inviteHash = hashCode('invite', input.inviteCode);
        break;
      case 'open':
        break;
      default:
        assertNever(mode, 'registration mode');
    }
    const account: AccountRecord = {
      id: randomId(),
      username: normalizeUsername(input.username),
      passwordHash: await hashPassword(input.password),
      isAdmin: false,
    };
    const { codes, hashes } = newRecoveryCodes();
    const outcome = await this.deps.store.accounts.create(account, hashes, inviteHash);
    if (outcome !== 'created') return err({ kind: outcome });
    this.log.info({ mode }, 'account registered');
    await this.deps.hooks?.emitAccountCreated({ id: account.id, username: account.username });
    // A listener may have made it an administrator.
    const stored = await this.deps.store.accounts.findById(account.id);
    if (stored) account.isAdmin = stored.isAdmin;
    return ok({ account, recoveryCodes: codes });
  }

  /**
   * Resets a forgotten password with one recovery code, which is used up;
   * every session of the account ends. Unknown usernames and wrong codes
   * fail alike.
   */
  async recover(
    input: { username: string; recoveryCode: string; newPassword: string },
    client: ClientInfo,
  ): Promise<Result<{ recoveryCodesLeft: number }, AccountsErrorOf<'recovery_failed' | 'rate_limited'>>> {
    const gate = this.deps.credentials.recoveryGate(input.username, client);
    if (gate.limited) return err(gate.limited);
    const account = await this.deps.store.accounts.findByUsername(normalizeUsername(input.username));
    // Hash before knowing whether the account exists: both paths take as long.
    const newHash = await hashPassword(input.newPassword);
    const done = account ? await this.deps.store.accounts.recover(account.id, hashCode('recovery', input.recoveryCode), newHash) : false;
    if (!account || !done) {
      this.deps.credentials.recoveryFailed(gate.attempt);
      return err({ kind: 'recovery_failed' });
    }
    await this.deps.hooks?.emitSessionsChanged({ accountId: account.id });
    this.log.info('password reset with a recovery code; all sessions ended');
    return ok({ recoveryCodesLeft: await this.deps.store.accounts.countRecoveryCodes(account.id) });
  }

  /** New recovery codes (the old ones stop working), after re-confirming the password. */
  async regenerateRecoveryCodes(account: AccountRecord, password: string, client: ClientInfo): Promise<Result<string[], AccountsErrorOf<'wrong_password' | 'rate_limited'>>> {
    const confirmed = await this.deps.credentials.confirm(account, password, client);
    if (!confirmed.ok) return confirmed;
    const { codes, hashes } = newRecoveryCodes();
    await this.deps.store.accounts.replaceRecoveryCodes(account.id, hashes);
    return ok(codes);
  }
}
