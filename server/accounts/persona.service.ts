/**
 * Personas: the public identities of an account, each its own ActivityPub
 * actor. Nothing a persona shows to others ties it to its account or to the
 * account's other personas: ids are random, no creation time is kept, the
 * link to the account lives only in the personas table.
 */
import type { Logger } from '../core/logging/logger.js';
import { err, ok, type Result } from '../core/result.js';
import type { PersonaPatch, PersonaRecord, Store } from '../store/index.js';
import type { AccountsErrorOf } from './errors.js';
import { checkHandle, normalizeHandle } from './handles.js';
import type { PersonaHooks } from './hooks.js';
import type { PersonaFederation } from './persona-federation.js';
import { randomId } from './secrets.js';
import type { AuthContext } from './session.service.js';

export type CreatePersonaError = AccountsErrorOf<'handle_invalid' | 'handle_reserved' | 'handle_taken' | 'handle_retired' | 'persona_limit'>;
type NotFound = AccountsErrorOf<'persona_not_found'>;

/** The export archive of one persona (owner only). */
export interface PersonaExport {
  format: 'hearth.persona-export';
  version: 1;
  exportedAt: string;
  profile: { handle: string; displayName: string; summary: string; actorId: string | null };
  settings: { discoverable: boolean; approveFollowers: boolean };
  followers: string[];
  following: string[];
  roomsHosted: unknown[];
}

export interface PersonaServiceDeps {
  store: Pick<Store, 'personas' | 'sessions'>;
  federation: PersonaFederation;
  hooks: PersonaHooks;
  maxPersonas: number;
  log: Logger;
  now?: () => number;
}

export class PersonaService {
  private readonly log: Logger;

  constructor(private readonly deps: PersonaServiceDeps) {
    this.log = deps.log.child({ module: 'accounts.personas' });
  }

  /**
   * Creates a persona and its actor. The handle is taken first, then the
   * actor provisioned; if provisioning fails, the never-published persona is
   * discarded and the handle freed. The account's first persona becomes the
   * session's acting persona (`acting` in the answer).
   */
  async create(
    auth: AuthContext,
    input: { handle: string; displayName: string; summary?: string | undefined },
  ): Promise<Result<{ persona: PersonaRecord; acting: boolean }, CreatePersonaError>> {
    const handle = checkHandle(normalizeHandle(input.handle));
    if (!handle.ok) return handle;
    const { store } = this.deps;
    const isFirst = (await store.personas.listByAccount(auth.account.id)).length === 0;
    const persona: PersonaRecord = {
      id: randomId(),
      accountId: auth.account.id,
      handle: handle.value,
      displayName: input.displayName,
      summary: input.summary ?? '',
      // Discovery is opt-in.
      discoverable: false,
      approveFollowers: false,
      actorId: null,
    };
    const outcome = await store.personas.create(persona, this.deps.maxPersonas);
    switch (outcome) {
      case 'created':
        break;
      case 'limit_reached':
        return err({ kind: 'persona_limit', limit: this.deps.maxPersonas });
      case 'handle_taken':
      case 'handle_retired':
        return err({ kind: outcome });
    }
    try {
      const { actorId } = await this.deps.federation.provisionActor({
        handle: persona.handle,
        displayName: persona.displayName,
        summary: persona.summary,
        discoverable: persona.discoverable,
        approveFollowers: persona.approveFollowers,
      });
      await store.personas.setActorId(persona.id, actorId);
      persona.actorId = actorId;
    } catch (error) {
      await store.personas.discardUnpublished(persona.id);
      throw error;
    }
    const acting = isFirst && auth.persona === null;
    if (acting) {
      await store.sessions.setActingPersona(auth.session.id, persona.id);
      await this.deps.hooks.emitSessionsChanged({ accountId: auth.account.id });
    }
    this.log.info('persona created');
    return ok({ persona, acting });
  }

  listOwn(accountId: string): Promise<PersonaRecord[]> {
    return this.deps.store.personas.listByAccount(accountId);
  }

  /** One of the account's personas by handle; another account's is "not found", never "forbidden". */
  async findOwn(accountId: string, handle: string): Promise<Result<PersonaRecord, NotFound>> {
    const persona = await this.deps.store.personas.findByHandle(normalizeHandle(handle));
    return persona && persona.accountId === accountId ? ok(persona) : err({ kind: 'persona_not_found' });
  }

  /** Changes the profile or settings and re-publishes the actor. */
  async update(accountId: string, handle: string, patch: PersonaPatch): Promise<Result<PersonaRecord, NotFound>> {
    const own = await this.findOwn(accountId, handle);
    if (!own.ok) return own;
    const updated = await this.deps.store.personas.update(own.value.id, patch);
    if (!updated) return err({ kind: 'persona_not_found' });
    await this.deps.federation.updateActor(updated.handle, {
      displayName: updated.displayName,
      summary: updated.summary,
      discoverable: updated.discoverable,
      approveFollowers: updated.approveFollowers,
    });
    return ok(updated);
  }

  /** Switches the session's acting persona (an explicit choice of the user). */
  async act(auth: AuthContext, handle: string): Promise<Result<PersonaRecord, NotFound>> {
    const own = await this.findOwn(auth.account.id, handle);
    if (!own.ok) return own;
    await this.deps.store.sessions.setActingPersona(auth.session.id, own.value.id);
    await this.deps.hooks.emitSessionsChanged({ accountId: auth.account.id });
    return own;
  }

  async export(accountId: string, handle: string): Promise<Result<PersonaExport, NotFound>> {
    const own = await this.findOwn(accountId, handle);
    if (!own.ok) return own;
    const p = own.value;
    const { followers, following } = await this.deps.federation.relationships(p.handle);
    return ok({
      format: 'hearth.persona-export',
      version: 1,
      exportedAt: new Date((this.deps.now ?? Date.now)()).toISOString(),
      profile: { handle: p.handle, displayName: p.displayName, summary: p.summary, actorId: p.actorId },
      settings: { discoverable: p.discoverable, approveFollowers: p.approveFollowers },
      followers,
      following,
      roomsHosted: await this.deps.hooks.hostedRooms({ personaId: p.id, handle: p.handle }),
    });
  }

  /** Discoverable personas only, by handle (never by creation order, which would pair personas made together). */
  /** Discoverable personas; those of suspended accounts are left out (a page may then be short). */
  async directory(limit: number, after?: string): Promise<PersonaRecord[]> {
    const page = await this.deps.store.personas.listDiscoverable(limit, after === undefined ? undefined : normalizeHandle(after));
    return page.filter((p) => !this.deps.hooks.isSuspended(p.accountId));
  }

  async search(query: string, limit: number): Promise<PersonaRecord[]> {
    return (await this.deps.store.personas.searchDiscoverable(query, limit)).filter((p) => !this.deps.hooks.isSuspended(p.accountId));
  }
}
