/**
 * Extension points for domains that keep data about personas (rooms, later):
 * they subscribe here instead of accounts importing them.
 */

/** A persona about to be purged. */
export interface PersonaDeletedEvent {
  personaId: string;
  handle: string;
  actorId: string | null;
}

/**
 * Runs when a persona is deleted (one by one when a whole account is), while
 * its actor and row still exist, so that a listener may still end the rooms it
 * hosts and federate that. A listener that throws aborts the deletion, which
 * is answered 500 and can be retried: listeners must be idempotent.
 */
export type PersonaDeletedListener = (event: PersonaDeletedEvent) => void | Promise<void>;

/** What a persona's export lists as hosted rooms (rooms/ decides the shape). */
export type HostedRoomsProvider = (persona: { personaId: string; handle: string }) => Promise<unknown[]>;

/** A new account (moderation makes the first one, or one named in configuration, an administrator). */
export type AccountCreatedListener = (account: { id: string; username: string }) => void | Promise<void>;

/** An account is gone (moderation forgets its role and anonymizes its audit entries). */
export type AccountDeletedListener = (accountId: string) => void | Promise<void>;

/** Whether an account is suspended right now (its sign-in refused, its personas hidden); moderation answers. */
export type SuspensionCheck = (accountId: string) => boolean;

/**
 * The registry of persona and account hooks; one per process, handed to the
 * accounts router, the rooms layer and moderation.
 */
export class PersonaHooks {
  private readonly deletedListeners = new Set<PersonaDeletedListener>();
  private readonly accountCreatedListeners = new Set<AccountCreatedListener>();
  private readonly accountDeletedListeners = new Set<AccountDeletedListener>();
  private hostedRoomsProvider: HostedRoomsProvider | undefined;
  private suspensionCheck: SuspensionCheck = () => false;

  /** Sets who answers "is this account suspended" (one provider: moderation). */
  provideSuspensionCheck(check: SuspensionCheck): void {
    this.suspensionCheck = check;
  }

  /** Whether the account is suspended (false until moderation provides the check). */
  isSuspended(accountId: string): boolean {
    return this.suspensionCheck(accountId);
  }

  onAccountCreated(listener: AccountCreatedListener): () => void {
    this.accountCreatedListeners.add(listener);
    return () => this.accountCreatedListeners.delete(listener);
  }

  onAccountDeleted(listener: AccountDeletedListener): () => void {
    this.accountDeletedListeners.add(listener);
    return () => this.accountDeletedListeners.delete(listener);
  }

  async emitAccountCreated(account: { id: string; username: string }): Promise<void> {
    for (const listener of [...this.accountCreatedListeners]) await listener(account);
  }

  async emitAccountDeleted(accountId: string): Promise<void> {
    for (const listener of [...this.accountDeletedListeners]) await listener(accountId);
  }

  /** Subscribes to persona deletions; answers the unsubscribe function. */
  onPersonaDeleted(listener: PersonaDeletedListener): () => void {
    this.deletedListeners.add(listener);
    return () => this.deletedListeners.delete(listener);
  }

  /** Sets who answers "rooms hosted" in exports (one provider: the rooms layer). */
  provideHostedRooms(provider: HostedRoomsProvider): () => void {
    this.hostedRoomsProvider = provider;
    return () => {
      if (this.hostedRoomsProvider === provider) this.hostedRoomsProvider = undefined;
    };
  }

  /** Runs every deletion listener in turn. */
  async emitPersonaDeleted(event: PersonaDeletedEvent): Promise<void> {
    for (const listener of [...this.deletedListeners]) await listener(event);
  }

  /** Rooms hosted by the persona; empty until a rooms layer provides them. */
  async hostedRooms(persona: { personaId: string; handle: string }): Promise<unknown[]> {
    return this.hostedRoomsProvider ? this.hostedRoomsProvider(persona) : [];
  }
}
