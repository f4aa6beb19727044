/**
 * Inbound room activities: `Create`/`Update` of an `Event` that carries this
 * project's vocabulary store the remote room (only what the Event says);
 * `Delete` of the room, or of its host, forgets it. Activities of one room
 * are processed one after the other, in the order they arrive; an older
 * copy (by `updated`) never replaces a newer one. Everything else is left
 * to the inbox processor.
 */
import type { Logger } from '../../server/core/logging/logger.js';
import type { Store } from '../../server/store/index.js';
import type { InboundActivity } from '../inbox/inbound-activity.js';
import { err, ok } from '../../server/core/result.js';
import type { InboxOutcome } from '../inbox/inbox-processor.js';

import { looksLikeEvent, parseRemoteEvent } from './event-parser.js';

const accepted: InboxOutcome = ok(null);

export class RoomInbox {
  /** Per room id, the tail of its processing chain. */
  readonly #chains = new Map<string, Promise<unknown>>();

  constructor(private readonly deps: { store: Pick<Store, 'remoteRooms'>; log: Logger; now?: () => number }) {}

  /** The outcome when the activity is about a room; undefined to let the processor handle it. */
  async handle(a: InboundActivity): Promise<InboxOutcome | undefined> {
    switch (a.type) {
      case 'Create':
      case 'Update':
        return this.#upsert(a);
      case 'Delete':
        return this.#delete(a);
      default:
        return undefined;
    }
  }

  async #upsert(a: InboundActivity): Promise<InboxOutcome | undefined> {
    // The raw object: the inbox reduced embedded objects of another origin to their id,
    // and that is exactly what must be refused for a room.
    const raw = (Array.isArray(a.raw.object) ? a.raw.object[0] : a.raw.object) as unknown;
    if (!looksLikeEvent(raw)) return undefined;
    const parsed = parseRemoteEvent(raw, a.actorId, new Date(this.deps.now?.() ?? Date.now()));
    if (parsed.ok === 'not_a_room') return undefined;
    if (!parsed.ok) {
      this.deps.log.info({ actor: a.actorId, reason: parsed.error.kind }, 'remote room refused');
      return err({ kind: parsed.error.kind === 'not_owner' ? 'not_owner' : 'unprocessable', code: parsed.error.kind, message: parsed.error.message });
    }
    const room = parsed.room;
    return this.#serial(room.id, async () => {
      const stored = await this.deps.store.remoteRooms.get(room.id);
      if (stored && stored.hostActorId !== a.actorId) return err({ kind: 'not_owner', code: 'not_owner', message: 'only the host of a room may update it' });
      const written = await this.deps.store.remoteRooms.put(room);
      this.deps.log.debug({ room: room.id, status: room.status, written }, 'remote room stored');
      return accepted;
    });
  }

  async #delete(a: InboundActivity): Promise<InboxOutcome | undefined> {
    const objectId = a.objectIds[0];
    if (!objectId) return undefined;
    if (objectId === a.actorId) {
      // The host is gone: so are its rooms. The processor then purges the actor itself.
      const removed = await this.deps.store.remoteRooms.deleteByHost(a.actorId);
      if (removed > 0) this.deps.log.info({ actor: a.actorId, removed }, 'remote rooms of a deleted actor removed');
      return undefined;
    }
    const stored = await this.deps.store.remoteRooms.get(objectId);
    if (!stored) return undefined;
    return this.#serial(objectId, async () => {
      const current = await this.deps.store.remoteRooms.get(objectId);
      if (!current) return accepted;
      if (current.hostActorId !== a.actorId) return err({ kind: 'not_owner', code: 'not_owner', message: 'only the host of a room may delete it' });
      await this.deps.store.remoteRooms.delete(objectId);
      return accepted;
    });
  }

  async #serial(roomId: string, task: () => Promise<InboxOutcome>): Promise<InboxOutcome> {
    const previous = this.#chains.get(roomId) ?? Promise.resolve();
    const run = previous.then(task, task);
    this.#chains.set(roomId, run);
    try {
      return await run;
    } finally {
      if (this.#chains.get(roomId) === run) this.#chains.delete(roomId);
    }
  }
}
