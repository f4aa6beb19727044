/**
 * Extension points for domains that keep data about personas (rooms, later):
 * they subscribe here instead of accounts importing them.
 */
import { DomainEvents } from '../core/domain-events.js';

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

/**
 * The sessions of an account changed: one ended (logout, revocation), all
 * ended (password recovery), or one now acts as another persona. Live
 * connections that rest on a session (the signaling WebSocket) re-check it.
 */
export interface SessionsChangedEvent {
  accountId: string;
}

/** Runs after the change is stored; it must not throw. */
export type SessionsChangedListener = (event: SessionsChangedEvent) => void | Promise<void>;

/** What a persona's export lists as hosted rooms (rooms/ decides the shape). */
export type HostedRoomsProvider = (persona: { personaId: string; handle: string }) => Promise<unknown[]>;

/** A new account (moderation makes the first one, or one named in configuration, an administrator). */
export interface AccountCreatedEvent {
  id: string;
  username: string;
}
export type AccountCreatedListener = (account: AccountCreatedEvent) => void | Promise<void>;

/** An account is gone (moderation forgets its role and anonymizes its audit entries). */
export interface AccountDeletedEvent {
  accountId: string;
}
export type AccountDeletedListener = (event: AccountDeletedEvent) => void | Promise<void>;

/** Whether an account is suspended right now (its sign-in refused, its personas hidden); moderation answers. */
export type SuspensionCheck = (accountId: string) => boolean;

/** The staff role of an account (moderation answers; the web client shows its admin page to staff only). */
export type RoleLookup = (account: { id: string; isAdmin: boolean }) => Promise<'admin' | 'moderator' | null>;

/** The accounts module's domain events (server/core/domain-events.ts). */
export type AccountEvents = {
  personaDeleted: PersonaDeletedEvent;
  sessionsChanged: SessionsChangedEvent;
  accountCreated: AccountCreatedEvent;
  accountDeleted: AccountDeletedEvent;
};

/**
 * The accounts module's events and its one query for other modules (hosted
 * rooms in exports); one per process, subscribed to by the composition root.
 * The `on…`/`emit…` methods are the {@link DomainEvents} calls with the
 * event name spelled out.
 */
export class PersonaHooks {
  readonly events = new DomainEvents<AccountEvents>();
  private hostedRoomsProvider: HostedRoomsProvider | undefined;
  private suspensionCheck: SuspensionCheck = () => false;
  private roleLookup: RoleLookup = (account) => Promise.resolve(account.isAdmin ? 'admin' : null);

  /** Sets who answers "is this account suspended" (one provider: moderation). */
  provideSuspensionCheck(check: SuspensionCheck): void {
    this.suspensionCheck = check;
  }

  /** Whether the account is suspended (false until moderation provides the check). */
  isSuspended(accountId: string): boolean {
    return this.suspensionCheck(accountId);
  }

  /** Sets who answers "which role has this account" (one provider: moderation). */
  provideRoleLookup(lookup: RoleLookup): void {
    this.roleLookup = lookup;
  }

  /** The account's role (until moderation provides the lookup: `admin` for an administrator, else none). */
  roleOf(account: { id: string; isAdmin: boolean }): Promise<'admin' | 'moderator' | null> {
    return this.roleLookup(account);
  }

  /** Subscribes to new accounts; answers the unsubscribe function. */
  onAccountCreated(listener: AccountCreatedListener): () => void {
    return this.events.on('accountCreated', listener);
  }

  /** Subscribes to deleted accounts; answers the unsubscribe function. */
  onAccountDeleted(listener: AccountDeletedListener): () => void {
    return this.events.on('accountDeleted', listener);
  }

  /** Runs once the account is stored; a listener that throws fails the sign-up (500), which is retried as a new one. */
  async emitAccountCreated(account: AccountCreatedEvent): Promise<void> {
    await this.events.emitOrThrow('accountCreated', account);
  }

  /** Runs once the account is gone; a listener that throws fails the request (500) and a retry finds nothing to delete. */
  async emitAccountDeleted(event: AccountDeletedEvent): Promise<void> {
    await this.events.emitOrThrow('accountDeleted', event);
  }

  /** Subscribes to persona deletions; answers the unsubscribe function. */
  onPersonaDeleted(listener: PersonaDeletedListener): () => void {
    return this.events.on('personaDeleted', listener);
  }

  /** Subscribes to session changes of accounts; answers the unsubscribe function. */
  onSessionsChanged(listener: SessionsChangedListener): () => void {
    return this.events.on('sessionsChanged', listener);
  }

  /** Tells every listener that the account's sessions changed; resolves once they acted. */
  async emitSessionsChanged(event: SessionsChangedEvent): Promise<void> {
    await this.events.emitOrThrow('sessionsChanged', event);
  }

  /** Sets who answers "rooms hosted" in exports (one provider: the rooms layer). */
  provideHostedRooms(provider: HostedRoomsProvider): () => void {
    this.hostedRoomsProvider = provider;
    return () => {
      if (this.hostedRoomsProvider === provider) this.hostedRoomsProvider = undefined;
    };
  }

  /** Runs every deletion listener in turn; one that throws aborts the deletion. */
  async emitPersonaDeleted(event: PersonaDeletedEvent): Promise<void> {
    await this.events.emitOrThrow('personaDeleted', event);
  }

  /** Rooms hosted by the persona; empty until a rooms layer provides them. */
  async hostedRooms(persona: { personaId: string; handle: string }): Promise<unknown[]> {
    return this.hostedRoomsProvider ? this.hostedRoomsProvider(persona) : [];
  }
}
