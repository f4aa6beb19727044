/**
 * Moderation's domain events (server/core/domain-events.ts), on
 * `Moderation.events`. The composition root subscribes the modules that must
 * act: federation, cascade links and rooms for a suspended domain; rooms and
 * the accounts' sessions for a suspended account.
 */
export type ModerationEvents = {
  /**
   * A domain became suspended (a new block, a limit raised to suspend, one
   * made with the command line seen on a refresh, or every suspended domain
   * once at boot): listeners must be idempotent.
   */
  domainSuspended: { domain: string };
  /** An account was suspended: its sessions are gone; its personas must leave every room. */
  accountSuspended: { accountId: string; personaIds: string[] };
};
