/**
 * STAND-IN for tests of the accounts domain only: an in-memory
 * PersonaFederation that records what accounts asked of it. The real
 * implementation lives in federation/ (apex actors, key pairs, signed
 * deliveries) and is exercised by the multi-instance tests.
 */
import { randomUUID } from 'node:crypto';
import type { PersonaFederation, PersonaProfile } from '../../server/accounts/index.js';

export interface StandinActor {
  actorId: string;
  profile: PersonaProfile;
  deleted: boolean;
  followers: string[];
  following: string[];
}

export class StandinPersonaFederation implements PersonaFederation {
  readonly actors = new Map<string, StandinActor>();
  /** Every call, in order, e.g. `provision:alice`, `update:alice`, `delete:alice`. */
  readonly calls: string[] = [];
  /** The delay each deleted persona's remote Delete was asked to wait, by handle. */
  readonly deleteDelays = new Map<string, number>();
  /** When set, the next provisionActor rejects (federation down). */
  failNextProvision = false;

  constructor(private readonly origin = 'https://hearth.test') {}

  provisionActor(p: { handle: string } & PersonaProfile): Promise<{ actorId: string }> {
    this.calls.push(`provision:${p.handle}`);
    if (this.failNextProvision) {
      this.failNextProvision = false;
      return Promise.reject(new Error('stand-in federation: provisioning failed on purpose'));
    }
    const { handle, ...profile } = p;
    const actorId = `${this.origin}/u/${handle}`;
    this.actors.set(handle, { actorId, profile, deleted: false, followers: [], following: [] });
    return Promise.resolve({ actorId });
  }

  updateActor(handle: string, p: PersonaProfile): Promise<void> {
    this.calls.push(`update:${handle}`);
    const actor = this.live(handle);
    actor.profile = { ...p };
    return Promise.resolve();
  }

  deleteActor(handle: string, options: { delayMs?: number } = {}): Promise<{ receiptId: string }> {
    this.calls.push(`delete:${handle}`);
    this.deleteDelays.set(handle, options.delayMs ?? 0);
    const actor = this.actors.get(handle);
    if (actor) {
      actor.deleted = true;
      actor.followers = [];
      actor.following = [];
    }
    return Promise.resolve({ receiptId: randomUUID() });
  }

  relationships(handle: string): Promise<{ followers: string[]; following: string[] }> {
    this.calls.push(`relationships:${handle}`);
    const actor = this.live(handle);
    return Promise.resolve({ followers: [...actor.followers], following: [...actor.following] });
  }

  private live(handle: string): StandinActor {
    const actor = this.actors.get(handle);
    if (!actor || actor.deleted) throw new Error(`stand-in federation: no live actor ${handle}`);
    return actor;
  }
}
