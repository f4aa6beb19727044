/**
 * Invite codes for invite-only registration: single-use, 100 bits each,
 * shown once to the administrator who made them and stored only as hashes.
 * Nothing records who made an invite nor who used it.
 */
import { hashCode, newOneTimeCode } from './secrets.js';
import type { Store } from '../store/index.js';

/** At most this many codes per request or command. */
export const MAX_INVITES_AT_ONCE = 100;

export class InviteService {
  constructor(private readonly deps: { store: Pick<Store, 'invites'>; now?: () => number }) {}

  /** Creates `count` codes and answers them in plain text (the only time they exist so). */
  async create(count: number): Promise<string[]> {
    if (!Number.isInteger(count) || count < 1 || count > MAX_INVITES_AT_ONCE) {
      throw new RangeError(`count must be an integer from 1 to ${MAX_INVITES_AT_ONCE}`);
    }
    const createdAt = new Date((this.deps.now ?? Date.now)());
    const codes: string[] = [];
    for (let i = 0; i < count; i++) {
      const code = newOneTimeCode();
      await this.deps.store.invites.create(hashCode('invite', code), createdAt);
      codes.push(code);
    }
    return codes;
  }
}
