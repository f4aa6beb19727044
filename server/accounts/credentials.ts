/**
 * Password checks, behind the failed-login throttle: logging in by username,
 * and re-confirming the password of the signed-in account before sensitive
 * actions (deletion, new recovery codes).
 */
import type { Logger } from '../core/logging/logger.js';
import { err, ok, type Result } from '../core/result.js';
import type { AccountRecord, Store } from '../store/index.js';
import type { AccountsErrorOf } from './errors.js';
import { normalizeUsername } from './handles.js';
import type { KnownDevices } from './known-devices.js';
import type { Attempt, LoginThrottle, ThrottleScope } from './login-throttle.js';
import { hashPassword, needsRehash, verifyPassword } from './passwords.js';

/** What the HTTP edge knows about the client; the address stays in memory. */
export interface ClientInfo {
  ip: string;
  /** The raw known-device cookie, if the browser sent one. */
  deviceCookie?: string | undefined;
}

type Limited = AccountsErrorOf<'rate_limited'>;

export class Credentials {
  /** A hash to verify against when the username is unknown, so both cases take as long. */
  private decoy: Promise<string> | undefined;

  constructor(
    private readonly deps: { store: Pick<Store, 'accounts'>; throttle: LoginThrottle; devices: KnownDevices; log: Logger },
  ) {}

  /** The account whose username and password these are. */
  async login(username: string, password: string, client: ClientInfo): Promise<Result<AccountRecord, AccountsErrorOf<'invalid_credentials'> | Limited>> {
    const name = normalizeUsername(username);
    const account = await this.deps.store.accounts.findByUsername(name);
    const attempt = await this.attempt(name, account, client);
    const waited = this.limited(attempt, 'password');
    if (waited) return waited;
    if (!account) {
      this.decoy ??= hashPassword('decoy password, never matches');
      await verifyPassword(password, await this.decoy);
      this.deps.throttle.recordFailure(attempt);
      return err({ kind: 'invalid_credentials' });
    }
    if (!(await this.check(account, password))) {
      this.deps.throttle.recordFailure(attempt);
      return err({ kind: 'invalid_credentials' });
    }
    this.deps.throttle.recordSuccess(attempt);
    return ok(account);
  }

  /** Re-confirms the signed-in account's password. */
  async confirm(account: AccountRecord, password: string, client: ClientInfo): Promise<Result<void, AccountsErrorOf<'wrong_password'> | Limited>> {
    const attempt = await this.attempt(account.username, account, client);
    const waited = this.limited(attempt, 'password');
    if (waited) return waited;
    if (!(await this.check(account, password))) {
      this.deps.throttle.recordFailure(attempt);
      return err({ kind: 'wrong_password' });
    }
    this.deps.throttle.recordSuccess(attempt);
    return ok(undefined);
  }

  /** The throttle gate for recovery-code attempts (counted per client, not per account). */
  recoveryGate(username: string, client: ClientInfo): { attempt: Attempt; limited?: Limited } {
    const attempt: Attempt = { account: normalizeUsername(username), ip: client.ip };
    const seconds = this.deps.throttle.retryAfterSeconds(attempt, 'recovery');
    return seconds > 0 ? { attempt, limited: { kind: 'rate_limited', retryAfterSeconds: seconds } } : { attempt };
  }

  recoveryFailed(attempt: Attempt): void {
    this.deps.throttle.recordFailure(attempt, 'recovery');
  }

  private async attempt(name: string, account: AccountRecord | undefined, client: ClientInfo): Promise<Attempt> {
    const device = account ? await this.deps.devices.recognize(client.deviceCookie, account.id) : undefined;
    return { account: name, ip: client.ip, device };
  }

  private limited(attempt: Attempt, scope: ThrottleScope): Result<never, Limited> | undefined {
    const seconds = this.deps.throttle.retryAfterSeconds(attempt, scope);
    return seconds > 0 ? err({ kind: 'rate_limited', retryAfterSeconds: seconds }) : undefined;
  }

  /** Verifies, and upgrades a hash made with weaker parameters than today's. */
  private async check(account: AccountRecord, password: string): Promise<boolean> {
    if (!(await verifyPassword(password, account.passwordHash))) return false;
    if (needsRehash(account.passwordHash)) {
      await this.deps.store.accounts.setPasswordHash(account.id, await hashPassword(password));
      this.deps.log.info('password hash upgraded to current scrypt parameters');
    }
    return true;
  }
}
