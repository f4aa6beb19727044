import type { Logger } from '../../server/core/logging/logger.js';
import { err, ok, type Result } from '../../server/core/result.js';
import type { Store } from '../../server/store/index.js';
import type { ApexApi, ApexObject } from '../apex/apex-api.js';
import { first } from '../actors/persona-actor.js';
import { endFollows } from '../actors/follows.js';
import type { PersonaActors } from '../actors/persona-federation.js';
import type { FederationModeration } from '../moderation-port.js';
import { acceptFollowAtOnce, type PreparedDeliveries } from './follow-fast-path.js';
import { sameOrigin, type InboundActivity } from './inbound-activity.js';

/**
 * Why a verified activity was refused, as a domain outcome: `malformed` (it
 * lacks what its type needs), `not_owner` (the actor may not act on that
 * object), `unknown_target` (no such local object), `unprocessable` (it
 * contradicts what is stored). The inbox route maps each kind to an HTTP
 * status; `code` is the machine-readable error the remote gets.
 */
export interface InboxRefusal {
  kind: 'malformed' | 'not_owner' | 'unknown_target' | 'unprocessable';
  code: string;
  message: string;
}

/** Outcome of processing one verified activity. */
export type InboxOutcome = Result<null, InboxRefusal>;

/** What the processor needs to know about local personas. */
export interface LocalPersonaSettings {
  /** Whether the persona approves followers by hand; undefined when it is not a local persona. */
  approveFollowers(actorId: string): Promise<boolean | undefined>;
}

export interface InboxProcessorDeps {
  apex: ApexApi;
  store: Pick<Store, 'apex' | 'federation' | 'storeInbound'>;
  log: Logger;
  /** The delivery queue, for Follows accepted at once in one store transaction (`acceptAtOnce`); without it, apex's path. */
  delivery?: PreparedDeliveries;
  personas: PersonaActors;
  settings: LocalPersonaSettings;
  /** Domain blocks (follows from a limited domain need approval) and the reports queue for Flags. */
  moderation?: FederationModeration;
  /** Room activities (federation/rooms) are claimed before the handlers below; undefined = not a room. */
  rooms?: { handle(a: InboundActivity): Promise<InboxOutcome | undefined> };
  /** A follow between the two actors ended (rooms re-check who may stay in followers-only rooms). */
  followsEnded?: (actorA: string, actorB: string) => Promise<void>;
  /** Whether a remote object's origin says it is gone (410 or 404 on its URL). */
  isGone(url: string): Promise<boolean>;
}

/**
 * Activities that create, replace or remove an object. This instance's own
 * actors and objects are changed only by this instance, never through an
 * inbox: a persona's Update delivered in-process to its local followers
 * would otherwise overwrite the stored actor (and its private key) with the
 * public document.
 */
const MUTATIONS = new Set(['Create', 'Update', 'Delete']);

const accepted: InboxOutcome = ok(null);
const refuse = (kind: InboxRefusal['kind'], code: string, message: string): InboxOutcome => err({ kind, code, message });

/**
 * Side effects of inbound activities, keyed by type (Follow, Accept, Reject,
 * Undo, Block, Update, Delete, Flag). Runs only on activities whose HTTP
 * signature was verified and whose signer is the activity's actor.
 */
export class InboxProcessor {
  private readonly handlers: Record<string, (a: InboundActivity) => Promise<InboxOutcome>> = {
    Follow: (a) => this.follow(a),
    Accept: (a) => this.acceptOrReject(a, 'accept'),
    Reject: (a) => this.acceptOrReject(a, 'reject'),
    Undo: (a) => this.undo(a),
    Block: (a) => this.block(a),
    Update: (a) => this.update(a),
    Delete: (a) => this.delete(a),
    Flag: (a) => this.flag(a),
  };

  constructor(private readonly deps: InboxProcessorDeps) {}

  async process(activity: InboundActivity): Promise<InboxOutcome> {
    if (MUTATIONS.has(activity.type) && activity.objectIds.some((id) => this.isLocal(id))) {
      return refuse('not_owner', 'local_object', 'objects of this instance are changed only by this instance');
    }
    const room = await this.deps.rooms?.handle(activity);
    if (room) return room;
    // Own keys only: a type such as "valueOf" or "constructor" must not find Object.prototype's.
    const handler = Object.hasOwn(this.handlers, activity.type) ? this.handlers[activity.type] : undefined;
    // Activity types this server has no use for are accepted and dropped.
    return handler ? handler(activity) : Promise.resolve(accepted);
  }

  /**
   * The inbox's fast path (ADR 0046): a Follow of a local persona that
   * accepts followers at once, by a remote actor whose document is cached,
   * is claimed, stored, accepted and its Accept queued in one store
   * transaction, without apex or jsonld. Answers undefined, having done
   * nothing, for every other activity: the caller claims it and calls
   * `process`. Same checks as `follow` (local target; a limited instance's
   * and a hand-approving persona's follows wait).
   */
  async acceptAtOnce(a: InboundActivity, receivedAt: string): Promise<'accepted' | 'duplicate' | undefined> {
    const { delivery } = this.deps;
    if (a.type !== 'Follow' || !delivery || a.objectIds.length !== 1 || this.isLocal(a.actorId)) return undefined;
    const target = await this.localActor(a.objectIds[0] ?? '');
    if (!target || this.limited(a.actorId) || (await this.deps.settings.approveFollowers(target.id)) !== false) return undefined;
    return acceptFollowAtOnce({ apex: this.deps.apex, store: this.deps.store, delivery }, { followId: a.id, follower: a.actorId, target, receivedAt });
  }

  /** Follows from a limited instance always wait for the persona's approval. */
  private limited(actorId: string): boolean {
    return this.deps.moderation?.levelOf(new URL(actorId).host) === 'limit';
  }

  private isLocal(id: string): boolean {
    return sameOrigin(id, this.deps.apex.baseUrl);
  }

  private async localActor(id: string): Promise<ApexObject | undefined> {
    if (!this.isLocal(id)) return undefined;
    const actor = (await this.deps.store.apex.getObject(id, true)) as ApexObject | null;
    if (!actor || actor.type !== 'Person' || !actor._meta?.privateKey) return undefined;
    actor._local = actor._local ?? { blockList: [] };
    return actor;
  }

  private async follow(a: InboundActivity): Promise<InboxOutcome> {
    const targetId = a.objectIds[0];
    const target = targetId ? await this.localActor(targetId) : undefined;
    if (!target) return refuse('unknown_target', 'unknown_target', 'the followed actor is not on this instance');
    const { apex, store } = this.deps;
    const follow = await apex.fromJSONLD({ '@context': 'https://www.w3.org/ns/activitystreams', id: a.id, type: 'Follow', actor: a.actorId, object: target.id });
    follow._meta = { collection: [] };
    await store.apex.saveActivity(follow);
    if (this.limited(a.actorId) || (await this.deps.settings.approveFollowers(target.id))) {
      await store.federation.putFollowRequest({ followId: a.id, localActor: target.id, remoteActor: a.actorId, receivedAt: new Date().toISOString() });
      return accepted;
    }
    await this.acceptFollow(target, follow);
    return accepted;
  }

  /** Adds the follower and sends Accept(Follow); also used when an owner approves a request. */
  async acceptFollow(target: ApexObject, follow: ApexObject): Promise<void> {
    const { apex } = this.deps;
    await apex.acceptFollow(target, follow);
    const follower = first(follow.actor);
    if (!follower) return;
    const accept = await apex.buildActivity('Accept', target.id, [follower], { object: follow.id });
    await apex.addToOutbox(target, accept);
  }

  private async acceptOrReject(a: InboundActivity, kind: 'accept' | 'reject'): Promise<InboxOutcome> {
    const { store } = this.deps;
    const followId = a.objectIds[0];
    if (!followId) return refuse('malformed', 'missing_object', `${kind} needs the Follow as its object`);
    const follow = await store.apex.getActivity(followId, true);
    if (!follow) return accepted; // a follow we never sent (or already undone): nothing to do
    const follower = await this.localActor(first(follow.actor) ?? '');
    if (!follower || first(follow.object) !== a.actorId) {
      return refuse('not_owner', 'not_owner', `only the followed actor may ${kind} this follow`);
    }
    const following = first(follower.following);
    if (!following) return accepted;
    if (kind === 'accept') await store.apex.updateActivityMeta(follow, 'collection', following);
    else {
      await store.apex.removeActivity(follow, follower.id);
      await this.deps.followsEnded?.(follower.id, a.actorId);
    }
    return accepted;
  }

  private async undo(a: InboundActivity): Promise<InboxOutcome> {
    const { store } = this.deps;
    const targetId = a.objectIds[0];
    if (!targetId) return refuse('malformed', 'missing_object', 'Undo needs the undone activity as its object');
    const undone = await store.apex.getActivity(targetId, true);
    if (!undone) {
      await store.federation.takeFollowRequest(targetId);
      return accepted;
    }
    if (first(undone.actor) !== a.actorId) return refuse('not_owner', 'not_owner', 'only the actor of an activity may undo it');
    await store.apex.removeActivity(undone, a.actorId);
    await store.federation.takeFollowRequest(targetId);
    const followed = first(undone.object);
    if (undone.type === 'Follow' && followed) await this.deps.followsEnded?.(a.actorId, followed);
    return accepted;
  }

  /** A remote actor blocks a local persona: every follow between the two ends, both ways. */
  private async block(a: InboundActivity): Promise<InboxOutcome> {
    const target = await this.localActor(a.objectIds[0] ?? '');
    if (!target) return accepted;
    await endFollows(this.deps.store, target, a.actorId, ['followers', 'following']);
    await this.deps.followsEnded?.(target.id, a.actorId);
    return accepted;
  }

  private async update(a: InboundActivity): Promise<InboxOutcome> {
    const objectId = a.objectIds[0];
    if (!objectId) return refuse('malformed', 'missing_object', 'Update needs an object');
    if (!sameOrigin(objectId, a.actorId)) return refuse('not_owner', 'not_owner', 'an actor may only update objects of its own origin');
    const { apex, store } = this.deps;
    const embedded = a.embedded.get(objectId);
    if (objectId !== a.actorId) {
      const cached = await store.apex.getObject(objectId);
      const owner = cached ? (first(cached.attributedTo) ?? first(cached.actor)) : undefined;
      if (cached && owner !== a.actorId) return refuse('not_owner', 'not_owner', 'the sender does not own this object');
      return accepted; // nothing of this server's depends on remote objects other than actors yet
    }
    if (!embedded) return accepted;
    const actor = await apex.fromJSONLD({ '@context': (a.raw['@context'] ?? apex.context), ...embedded });
    const cached = await store.apex.getObject(a.actorId);
    if (cached) await store.apex.updateObject(actor, a.actorId, true);
    return accepted;
  }

  private async delete(a: InboundActivity): Promise<InboxOutcome> {
    const objectId = a.objectIds[0];
    if (!objectId) return refuse('malformed', 'missing_object', 'Delete needs an object');
    if (objectId === a.actorId) {
      await this.deps.personas.purgeRemoteActor(a.actorId);
      return accepted;
    }
    if (!sameOrigin(objectId, a.actorId)) return refuse('not_owner', 'not_owner', 'an actor may only delete objects of its own origin');
    const cached = await this.deps.store.apex.getObject(objectId);
    if (!cached) return accepted;
    const owner = first(cached.attributedTo) ?? first(cached.actor);
    if (owner === a.actorId) {
      await this.deps.store.federation.purgeActor(objectId);
      return accepted;
    }
    // An actor deleted by another actor of its server (Hearth signs with its
    // instance actor when a persona's own key is lost): believed only when
    // the actor's own URL says it is gone.
    if (first(cached.inbox) && (await this.deps.isGone(objectId))) {
      await this.deps.personas.purgeRemoteActor(objectId);
      return accepted;
    }
    return refuse('not_owner', 'not_owner', 'the sender does not own this object');
  }

  private async flag(a: InboundActivity): Promise<InboxOutcome> {
    const objects = a.objectIds.filter((id) => this.isLocal(id));
    if (objects.length === 0) return accepted;
    if (this.deps.moderation) {
      await this.deps.moderation.receiveFlag({ activityId: a.id, reporter: a.actorId, objects, content: a.content });
      return accepted;
    }
    await this.deps.store.federation.putReport({
      activityId: a.id,
      reporter: a.actorId,
      objects,
      content: a.content.slice(0, 5_000),
      receivedAt: new Date().toISOString(),
    });
    this.deps.log.info({ reporter: a.actorId, objects: objects.length }, 'report received');
    return accepted;
  }
}
