/**
 * Deletion that really deletes: after the password is re-confirmed, each
 * persona's listeners run, its actor is deleted (federation queues a signed
 * Delete to every instance that knew it), then its local rows are purged and
 * its handle retired for ever. An account goes with all its personas,
 * sessions and recovery codes; no soft delete.
 *
 * Order: listeners and federation come before the local purge, so that a
 * failure (answered 500) leaves the persona in place to be deleted again.
 */
import type { Logger } from '../logging/logger.js';
import { err, ok, type Result } from '../lib/result.js';
import type { AccountRecord, PersonaRecord, Store } from '../store/index.js';
import type { ClientInfo, Credentials } from './credentials.js';
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
    private readonly deps: { store: Store; federation: PersonaFederation; hooks: PersonaHooks; credentials: Credentials; log: Logger },
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
    const receipt = await this.purge(persona);
    this.log.info('persona deleted');
    return ok({ receipts: [receipt], notice: DELETION_NOTICE });
  }

  /** Deletes the account, every persona of it, every session and recovery code. */
  async deleteAccount(account: AccountRecord, password: string, client: ClientInfo): Promise<Result<DeletionReport, DeleteError>> {
    const confirmed = await this.deps.credentials.confirm(account, password, client);
    if (!confirmed.ok) return confirmed;
    const receipts: DeletionReport['receipts'] = [];
    for (const persona of await this.deps.store.personas.listByAccount(account.id)) {
      receipts.push(await this.purge(persona));
    }
    // Cascades to sessions and recovery codes; retires any persona created meanwhile.
    await this.deps.store.accounts.delete(account.id);
    await this.deps.hooks.emitAccountDeleted(account.id);
    this.log.info({ personas: receipts.length }, 'account deleted');
    return ok({ receipts, notice: DELETION_NOTICE });
  }

  private async purge(persona: PersonaRecord): Promise<{ handle: string; receiptId: string }> {
    await this.deps.hooks.emitPersonaDeleted({ personaId: persona.id, handle: persona.handle, actorId: persona.actorId });
    const { receiptId } = await this.deps.federation.deleteActor(persona.handle);
    await this.deps.store.personas.delete(persona.id);
    return { handle: persona.handle, receiptId };
  }
}
