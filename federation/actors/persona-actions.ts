import type { Store } from '../../server/store/index.js';
import type { ApexApi, ApexObject } from '../apex/apex-api.js';
import type { InboxProcessor } from '../inbox/inbox-processor.js';
import { endFollows } from './follows.js';
import { first } from './persona-actor.js';
import type { RemoteActors, ResolveError } from './remote-actors.js';

const AS = 'https://www.w3.org/ns/activitystreams';

export type ActionError = ResolveError | 'self' | 'not-following' | 'no-request' | 'unknown-persona';
export type ActionResult<T = Record<string, never>> = { ok: true; value: T } | { ok: false; error: ActionError };

/**
 * What a persona does towards other actors: follow, unfollow, block, and
 * approve or reject follow requests. Each sends the matching activity through
 * apex's outbox (addressed to the other actor only) and updates the local
 * collections at once.
 */
/** Sends a report as the instance actor (so the reporter's persona is never revealed to the other server). */
export interface ReportSender {
  sendReport(input: { targetActor: string; inbox: string; comment: string }): Promise<void>;
}

export class PersonaActions {
  constructor(private readonly deps: {
    apex: ApexApi; store: Pick<Store, 'apex' | 'federation'>; remote: RemoteActors; inbox: () => InboxProcessor; reports: ReportSender;
    /** A follow between the two actors ended (rooms re-check who may stay in followers-only rooms). */
    followsEnded?: (actorA: string, actorB: string) => Promise<void>;
  }) {}

  /** Reports a remote actor to its instance (a Flag from this instance's actor, as Mastodon does). */
  async report(target: string, comment: string): Promise<ActionResult<{ actorId: string }>> {
    const resolved = await this.deps.remote.resolve(target);
    if (!resolved.ok) return resolved;
    const them = resolved.actor;
    const endpoints = (them.endpoints as Array<{ sharedInbox?: unknown }> | undefined)?.[0];
    const inbox = first(endpoints?.sharedInbox) ?? first(them.inbox);
    if (!inbox) return { ok: false, error: 'not-an-actor' };
    await this.deps.reports.sendReport({ targetActor: them.id, inbox, comment });
    return { ok: true, value: { actorId: them.id } };
  }

  /** The local persona and the resolved other actor, or why not. */
  private async pair(handle: string, target: string): Promise<{ ok: true; me: ApexObject; them: ApexObject } | { ok: false; error: ActionError }> {
    const me = await this.local(handle);
    if (!me) return { ok: false, error: 'unknown-persona' };
    const resolved = await this.deps.remote.resolve(target);
    if (!resolved.ok) return resolved;
    if (resolved.actor.id === me.id) return { ok: false, error: 'self' };
    return { ok: true, me, them: resolved.actor };
  }

  private async local(handle: string): Promise<ApexObject | undefined> {
    const actor = (await this.deps.store.apex.getObject(this.deps.apex.utils.usernameToIRI(handle), true)) as ApexObject | null;
    if (!actor) return undefined;
    actor._local = actor._local ?? { blockList: [] };
    return actor;
  }

  async follow(handle: string, target: string): Promise<ActionResult<{ actorId: string; followId: string }>> {
    const pair = await this.pair(handle, target);
    if (!pair.ok) return pair;
    const { me, them } = pair;
    const { apex } = this.deps;
    const follow = await apex.buildActivity('Follow', me.id, [them.id], { object: them.id });
    await apex.addToOutbox(me, follow);
    return { ok: true, value: { actorId: them.id, followId: follow.id } };
  }

  async unfollow(handle: string, target: string): Promise<ActionResult> {
    const pair = await this.pair(handle, target);
    if (!pair.ok) return pair;
    const { me, them } = pair;
    const { apex, store } = this.deps;
    const outbox = first(me.outbox) ?? '';
    const follow = await store.apex.findActivityByCollectionAndObjectId(outbox, them.id, true);
    if (!follow || follow.type !== 'Follow') return { ok: false, error: 'not-following' };
    const undo = await apex.buildActivity('Undo', me.id, [them.id], {
      object: { '@context': AS, id: follow.id, type: 'Follow', actor: me.id, object: them.id },
    });
    await store.apex.removeActivity(follow, me.id);
    await apex.publishActivity(me, undo);
    await this.deps.followsEnded?.(me.id, them.id);
    return { ok: true, value: {} };
  }

  /** Blocks an actor: Block is sent to it, and every follow between the two ends. */
  async block(handle: string, target: string): Promise<ActionResult> {
    const pair = await this.pair(handle, target);
    if (!pair.ok) return pair;
    const { me, them } = pair;
    const { apex, store } = this.deps;
    await endFollows(store, me, them.id, ['followers', 'following', 'outbox']);
    await this.deps.followsEnded?.(me.id, them.id);
    const block = await apex.buildActivity('Block', me.id, [them.id], { object: them.id });
    block._meta = { ...(block._meta ?? {}), collection: [apex.utils.nameToBlockedIRI(handle)] };
    await apex.addToOutbox(me, block);
    return { ok: true, value: {} };
  }

  async followRequests(handle: string): Promise<ActionResult<{ requests: Array<{ id: string; actor: string; receivedAt: string }> }>> {
    const me = await this.local(handle);
    if (!me) return { ok: false, error: 'unknown-persona' };
    const requests = await this.deps.store.federation.followRequests(me.id);
    return { ok: true, value: { requests: requests.map((r) => ({ id: r.followId, actor: r.remoteActor, receivedAt: r.receivedAt })) } };
  }

  async decideFollowRequest(handle: string, followId: string, approve: boolean): Promise<ActionResult> {
    const me = await this.local(handle);
    if (!me) return { ok: false, error: 'unknown-persona' };
    const { apex, store } = this.deps;
    const requests = await store.federation.followRequests(me.id);
    if (!requests.some((r) => r.followId === followId)) return { ok: false, error: 'no-request' };
    const request = await store.federation.takeFollowRequest(followId);
    const follow = (await store.apex.getActivity(followId, true)) as ApexObject | null;
    if (!request || !follow) return { ok: false, error: 'no-request' };
    if (approve) {
      await this.deps.inbox().acceptFollow(me, follow);
    } else {
      const reject = await apex.buildActivity('Reject', me.id, [request.remoteActor], { object: followId });
      await store.apex.removeActivity(follow, request.remoteActor);
      await apex.addToOutbox(me, reject);
    }
    return { ok: true, value: {} };
  }
}
