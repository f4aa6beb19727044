/**
 * The port through which accounts reach ActivityPub. Accounts owns personas
 * (handles, profiles, the private link to an account); federation/ owns
 * their actors (key pairs, collections, deliveries) and implements this
 * interface. The accounts side never touches apex or JSON-LD.
 */

/** Profile fields a persona's actor publishes. */
export interface PersonaProfile {
  displayName: string;
  summary: string;
  /** Whether the actor may be listed by directories (`discoverable` on the Person). */
  discoverable: boolean;
  /** Whether follows wait for approval (`manuallyApprovesFollowers`). */
  approveFollowers: boolean;
}

/**
 * What accounts asks of federation. Implementations must keep personas
 * unlinkable: separate key pairs, nothing shared in what they publish, and no
 * `published` time on the actor (it would tie personas created together).
 */
export interface PersonaFederation {
  /** Creates the ActivityPub Person (own RSA-2048 key pair, inbox, outbox, followers, following) and answers its actor URL. */
  provisionActor(p: { handle: string } & PersonaProfile): Promise<{ actorId: string }>;
  /** Re-publishes the profile (sends Update(Person) to followers). */
  updateActor(handle: string, p: PersonaProfile): Promise<void>;
  /**
   * Purges the actor's federation data, leaves a Tombstone, queues a signed
   * Delete to every instance that knew it; answers the deletion receipt id.
   * Accounts calls it before it purges the persona locally, so a failure
   * leaves the persona in place to be deleted again: it must therefore
   * accept an actor it already deleted (answering a receipt again), and it
   * must succeed whatever state the actor is in (no usable key, no actor
   * document at all). `delayMs` holds the remote Delete back that long (the
   * local purge is immediate).
   */
  deleteActor(handle: string, options?: { delayMs?: number }): Promise<{ receiptId: string }>;
  /** Followers and following actor URLs, for export. */
  relationships(handle: string): Promise<{ followers: string[]; following: string[] }>;
}
