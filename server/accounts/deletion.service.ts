/**
 * Deletion that really deletes: after the password is re-confirmed, each
 * persona's listeners run, its actor is deleted (federation queues a signed
 * Delete to every instance that knew it), then its local rows are purged and
 * its handle retired for ever. An account goes with all its personas,
 * sessions and recovery codes; no soft delete.
 *
 * Order: listeners and federation come before the local purge, so that a
 * failure (answered 500) leaves the persona in place to be deleted again.
 * The remote Deletes are spread out in time (see deletion-schedule.ts), and
 * the store is checkpointed at the end so that nothing deleted stays in its
 * write-ahead log.
 */
import type { Logger } from '../core/logging/logger.js';
import { err, ok, type Result } from '../core/result.js';
import type { AccountRecord, PersonaRecord, Store } from '../store/index.js';
import type { ClientInfo, Credentials } from './credentials.js';
import { spreadDelays } from './deletion-schedule.js';
import type { AccountsErrorOf } from './errors.js';
import { normalizeHandle } from './handles.js';
import type { PersonaHooks } from './hooks.js';
import type { PersonaFederation } from './persona-federation.js';

/** What the user is told, in plain words, after a deletion. */
export const DELETION_NOTICE =
  'Deleted on this server, at once and for good. Every server that knew your persona was sent a request ' +
  'to delete its copies too. Servers we do not run decide for themselves: a remote server could keep ' +
  'copies despite the request. The receipts show which servers have confirmed.';

export interface DeletionReport {
  receipts: { handle: string; receiptId: string }[];
  notice: string;
}

type DeleteError = AccountsErrorOf<'wrong_password' | 'rate_limited'>;

export class DeletionService {
  private readonly log: Logger;

  constructor(
    private readonly deps: {
      store: Pick<Store, 'accounts' | 'personas' | 'checkpoint'>;
      federation: PersonaFederation;
      hooks: PersonaHooks;
      credentials: Credentials;
      log: Logger;
      /** Window (ms) within which each persona's remote Delete is sent, at a random delay; 0 sends at once. */
      spreadMs?: number;
      /** Uniform in [0, 1) (tests). Default Math.random. */
      random?: () => number;
    },
  ) {
    this.log = deps.log.child({ module: 'accounts.deletion' });
  }

  /** Deletes one persona of the account. Another account's persona is "not found". */
  async deletePersona(
    account: AccountRecord,
    handle: string,
    password: string,
    client: ClientInfo,
  ): Promise<Result<DeletionReport, DeleteError | AccountsErrorOf<'persona_not_found'>>> {
    const persona = await this.deps.store.personas.findByHandle(normalizeHandle(handle));
    if (!persona || persona.accountId !== account.id) return err({ kind: 'persona_not_found' });
    const confirmed = await this.deps.credentials.confirm(account, password, client);
    if (!confirmed.ok) return confirmed;
    const [delayMs = 0] = this.delays(1);
    const receipt = await this.purge(persona, delayMs);
    await this.deps.store.checkpoint();
    this.log.info('persona deleted');
    return ok({ receipts: [receipt], notice: DELETION_NOTICE });
  }

  /** Deletes the account, every persona of it, every session and recovery code. */
  async deleteAccount(account: AccountRecord, password: string, client: ClientInfo): Promise<Result<DeletionReport, DeleteError>> {
    const confirmed = await this.deps.credentials.confirm(account, password, client);
    if (!confirmed.ok) return confirmed;
    const receipts: DeletionReport['receipts'] = [];
    const personas = await this.deps.store.personas.listByAccount(account.id);
    const delays = this.delays(personas.length);
    for (const [i, persona] of personas.entries()) {
      receipts.push(await this.purge(persona, delays[i] ?? 0));
    }
    // Cascades to sessions and recovery codes; retires any persona created meanwhile.
    await this.deps.store.accounts.delete(account.id);
    // Before the checkpoint: moderation replaces the username in audit entries, and the old text leaves the log too.
    await this.deps.hooks.emitAccountDeleted({ accountId: account.id });
    await this.deps.store.checkpoint();
    this.log.info({ personas: receipts.length }, 'account deleted');
    return ok({ receipts, notice: DELETION_NOTICE });
  }

  private delays(count: number): number[] {
    return spreadDelays(count, this.deps.spreadMs ?? 0, this.deps.random);
  }

  private async purge(persona: PersonaRecord, delayMs: number): Promise<{ handle: string; receiptId: string }> {
    await this.deps.hooks.emitPersonaDeleted({ personaId: persona.id, handle: persona.handle, actorId: persona.actorId });
    const { receiptId } = await this.deps.federation.deleteActor(persona.handle, { delayMs });
    await this.deps.store.personas.delete(persona.id);
    return { handle: persona.handle, receiptId };
  }
}
