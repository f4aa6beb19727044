/**
 * Rooms across instances, part 1 (docs/protocol/federation.md): local rooms
 * announced as `Event`s (Create/Update/Delete, Updates coalesced), the Event
 * served at each room's id, remote rooms stored from the inbox, and the
 * catalog the room list, the hallway and link lookup read.
 */
import type { Router } from 'express';
import type { Logger } from '../../server/core/logging/logger.js';
import type { Store } from '../../server/store/index.js';
import type { ApexApi } from '../apex/apex-api.js';
import { roomEventRouter } from './event-routes.js';
import type { FederatedRoom, LocalRoomSource } from './room-event.js';
import { RoomInbox } from './room-inbox.js';
import { RoomPublisher, type RoomChange } from './room-publisher.js';
import { ApexRoomSender } from './room-sender.js';
import { RemoteRoomCatalog } from './remote-catalog.js';

export type { FederatedRoom, LocalRoomSource } from './room-event.js';
export type { RoomChange } from './room-publisher.js';

export interface FederatedRoomsDeps {
  apex: ApexApi;
  store: Pick<Store, 'apex' | 'remoteRooms'>;
  publicUrl: string;
  log: Logger;
  fetchDocument(url: string): Promise<Record<string, unknown> | null>;
  /** Instances limited by moderators: their rooms are listed only to personas who follow the room's host. */
  isLimitedHost?: (host: string) => boolean;
  /** Least time between two coalesced Updates of one room (5 s). */
  minUpdateIntervalMs?: number;
}

export class FederatedRooms {
  readonly publisher: RoomPublisher;
  readonly inbox: RoomInbox;
  readonly catalog: RemoteRoomCatalog;
  #source: LocalRoomSource | undefined;

  constructor(private readonly deps: FederatedRoomsDeps) {
    const log = deps.log.child({ module: 'federation.rooms' });
    this.publisher = new RoomPublisher({
      sender: new ApexRoomSender({ apex: deps.apex, store: deps.store, publicUrl: deps.publicUrl, log }),
      source: () => this.#source,
      log,
      ...(deps.minUpdateIntervalMs !== undefined ? { minUpdateIntervalMs: deps.minUpdateIntervalMs } : {}),
    });
    this.inbox = new RoomInbox({ store: deps.store, log });
    this.catalog = new RemoteRoomCatalog({
      apex: deps.apex, store: deps.store, publicUrl: deps.publicUrl, fetchDocument: (url) => deps.fetchDocument(url),
      ...(deps.isLimitedHost ? { isLimitedHost: deps.isLimitedHost } : {}),
    });
  }

  /** The rooms service, once it exists (rooms are built after federation). */
  attachSource(source: LocalRoomSource): void {
    this.#source = source;
  }

  /** What the rooms service reports changes to. */
  readonly events = {
    changed: (change: RoomChange, roomId: string): void => this.publisher.changed(change, roomId),
    deleted: (room: FederatedRoom): void => this.publisher.deleted(room),
  };

  /** The Event at each room's id, and the join endpoint (501 until part 2). */
  router(): Router {
    return roomEventRouter({ publicUrl: this.deps.publicUrl, source: () => this.#source });
  }

  close(): void {
    this.publisher.close();
  }
}
