/**
 * What federation asks of moderation (server/moderation implements it;
 * instance.ts wires it). Synchronous where a door must decide before doing
 * any work.
 */

/** How a remote host is blocked, if at all. */
export type HostBlockLevel = 'suspend' | 'limit';

export interface FederationModeration {
  /** The block covering a host (`host[:port]`, any spelling), or undefined. */
  levelOf(host: string): HostBlockLevel | undefined;
  /** An inbound Flag, verified: queued for moderators. */
  receiveFlag(flag: { activityId: string; reporter: string; objects: readonly string[]; content: string }): Promise<void>;
  /** Whether a local actor's account is suspended (its actor document is then a stub marked `suspended`). */
  isHiddenActor(actorId: string): Promise<boolean>;
  /** Whether anyone may sign up now (the registration mode moderators set at run time); NodeInfo reports it. */
  registrationOpen?(): boolean;
}

/** No moderation: nothing blocked, Flags kept in the federation store as before. */
export const NO_MODERATION: Omit<FederationModeration, 'receiveFlag'> = {
  levelOf: () => undefined,
  isHiddenActor: () => Promise.resolve(false),
};

/** Whether the host of a URL is suspended; false for what is not a URL. */
export function urlSuspended(moderation: Pick<FederationModeration, 'levelOf'>, url: string): boolean {
  try {
    return moderation.levelOf(new URL(url).host) === 'suspend';
  } catch {
    return false;
  }
}
