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

/** The registry of persona hooks; one per process, handed to the accounts router and the rooms layer. */
export class PersonaHooks {
  private readonly deletedListeners = new Set<PersonaDeletedListener>();
  private hostedRoomsProvider: HostedRoomsProvider | undefined;
  private readonly sessionListeners = new Set<SessionsChangedListener>();

  /** Subscribes to persona deletions; answers the unsubscribe function. */
  onPersonaDeleted(listener: PersonaDeletedListener): () => void {
    this.deletedListeners.add(listener);
    return () => this.deletedListeners.delete(listener);
  }

  /** Subscribes to session changes of accounts; answers the unsubscribe function. */
  onSessionsChanged(listener: SessionsChangedListener): () => void {
    this.sessionListeners.add(listener);
    return () => this.sessionListeners.delete(listener);
  }

  /** Tells every listener that the account's sessions changed; resolves once they acted. */
  async emitSessionsChanged(event: SessionsChangedEvent): Promise<void> {
    for (const listener of [...this.sessionListeners]) await listener(event);
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
