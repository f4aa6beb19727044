import { MongoClient, type Db } from 'mongodb';
import type { Logger } from '../../core/logging/logger.js';
import { StoreUnavailableError, errorMessage } from '../errors.js';
import type { InboundUnit, Store } from '../port.js';
import { MongoAccountRepository, MongoInviteRepository } from './account-repository.js';
import { MongoAccountCollections } from './accounts-collections.js';
import { MongoApexStore } from './apex-mongo-store.js';
import { MongoDeliveryRepository } from './delivery-repository.js';
import { MongoFederationRepository } from './federation-repository.js';
import { MongoInstanceRepository } from './instance-repository.js';
import { MongoModerationRepository } from './moderation-repository.js';
import { MongoRoomRepository } from './room-repository.js';
import { MongoRemoteRoomRepository } from './remote-room-repository.js';
import { MongoPersonaRepository, MongoSessionRepository } from './persona-repository.js';

/** Boot fails this fast when no server answers. */
const SERVER_SELECTION_TIMEOUT_MS = 5000;
/** The database used when the URL names none. */
const DEFAULT_DATABASE = 'hearth';

/** The MongoDB store: apex's own store class plus instance settings, one client. */
export class MongoStore implements Store {
  readonly kind = 'mongodb';
  readonly apex: MongoApexStore;
  readonly instance: MongoInstanceRepository;
  readonly accounts: MongoAccountRepository;
  readonly sessions: MongoSessionRepository;
  readonly personas: MongoPersonaRepository;
  readonly invites: MongoInviteRepository;
  private readonly accountCollections: MongoAccountCollections;
  readonly federation: MongoFederationRepository;
  readonly delivery: MongoDeliveryRepository;
  readonly rooms: MongoRoomRepository;
  readonly moderation: MongoModerationRepository;
  readonly remoteRooms: MongoRemoteRoomRepository;
  private closed = false;

  private constructor(private readonly client: MongoClient, private readonly db: Db, private readonly log: Logger) {
    this.apex = new MongoApexStore(db);
    this.instance = new MongoInstanceRepository(db);
    this.accountCollections = new MongoAccountCollections(db);
    this.accounts = new MongoAccountRepository(this.accountCollections);
    this.sessions = new MongoSessionRepository(this.accountCollections);
    this.personas = new MongoPersonaRepository(this.accountCollections);
    this.invites = new MongoInviteRepository(this.accountCollections);
    this.federation = new MongoFederationRepository(db);
    this.delivery = new MongoDeliveryRepository(db);
    this.rooms = new MongoRoomRepository(db);
    this.moderation = new MongoModerationRepository(db);
    this.remoteRooms = new MongoRemoteRoomRepository(db);
  }

  /**
   * Connects with majority write (journaled) and read concerns, so an
   * acknowledged write survives the loss of the primary, and creates apex's
   * indexes (its `setup`).
   * @throws StoreUnavailableError when the URL is invalid or no server answers in time.
   */
  static async open(options: { url: string; log: Logger }): Promise<MongoStore> {
    const log = options.log.child({ module: 'store.mongodb' });
    const secrets = urlSecrets(options.url);
    const clean = (error: unknown): string => redact(errorMessage(error), secrets);
    let client: MongoClient;
    try {
      client = new MongoClient(options.url, {
        appName: 'hearth',
        // Options given here win over the URL's: durability is not configurable down.
        writeConcern: { w: 'majority', journal: true },
        readConcern: { level: 'majority' },
        serverSelectionTimeoutMS: SERVER_SELECTION_TIMEOUT_MS,
        connectTimeoutMS: SERVER_SELECTION_TIMEOUT_MS,
      });
    } catch (error) {
      throw new StoreUnavailableError(
        'mongodb-url',
        `MONGODB_URL: not a valid MongoDB URL (${clean(error)}); expected mongodb://[user:password@]host:port/database`,
      );
    }
    const where = client.options.srvHost ?? client.options.hosts.map((h) => h.toString()).join(',');
    try {
      await client.connect();
    } catch (error) {
      await client.close().catch(() => undefined);
      throw new StoreUnavailableError(
        'mongodb-unreachable',
        `MONGODB_URL: cannot reach MongoDB at ${where} (${clean(error)}); check the URL and that mongod is running`,
      );
    }
    const dbName = databaseName(options.url) ?? DEFAULT_DATABASE;
    const store = new MongoStore(client, client.db(dbName), log);
    try {
      await store.apex.setup();
      await store.accountCollections.setup();
      await store.federation.setup();
      await store.delivery.setup();
      await store.rooms.setup();
      await store.moderation.setup();
      await store.remoteRooms.setup();
    } catch (error) {
      await client.close().catch(() => undefined);
      throw new StoreUnavailableError(
        'mongodb-unreachable',
        `MONGODB_URL: MongoDB at ${where} refused to create indexes in database ${dbName} (${clean(error)}); ` +
          'check that the user may write there and that a majority of the replica set is up',
      );
    }
    log.info({ hosts: where, database: dbName }, 'mongodb store open');
    return store;
  }

  /** Not one transaction here (a replica set would be needed): each write is atomic, a redelivery after a crash finds the id claimed. */
  async storeInbound(unit: InboundUnit): Promise<boolean> {
    if (!(await this.federation.claimInbound(unit.activityId, unit.receivedAt))) return false;
    try {
      for (const activity of unit.activities) await this.apex.saveActivity(activity);
      if (unit.deliveries && unit.deliveries.jobs.length > 0) await this.delivery.enqueue(unit.deliveries.jobs, unit.deliveries.now);
      if (unit.contacts && unit.contacts.inboxes.length > 0) await this.federation.recordContacts(unit.contacts.actorId, unit.contacts.inboxes);
    } catch (error) {
      await this.federation.releaseInbound(unit.activityId); // so that a redelivery is processed
      throw error;
    }
    return true;
  }

  async ping(): Promise<boolean> {
    if (this.closed) return false;
    try {
      const answer = await this.db.admin().command({ ping: 1 });
      return answer.ok === 1;
    } catch (error) {
      this.log.warn({ err: error }, 'mongodb ping failed');
      return false;
    }
  }

  /** Nothing to do: MongoDB's journal is the server's own (see the Store port). */
  checkpoint(): Promise<void> {
    return Promise.resolve();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.client.close();
    this.log.info('mongodb store closed');
  }
}

/** The database named in the URL's path, if any. */
export function databaseName(url: string): string | undefined {
  const match = /^mongodb(?:\+srv)?:\/\/[^/?]*\/([^?]+)/.exec(url);
  return match?.[1] ? decodeURIComponent(match[1]) : undefined;
}

/** The user information of a URL, raw and decoded: what must never be printed. */
function urlSecrets(url: string): string[] {
  // Greedy up to the last '@' of the authority: passwords may hold a raw '@'.
  const userinfo = /^[a-z+]+:\/\/([^/?]*)@/i.exec(url)?.[1];
  if (!userinfo) return [];
  const password = userinfo.includes(':') ? userinfo.slice(userinfo.indexOf(':') + 1) : '';
  const decode = (s: string): string => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  };
  return [userinfo, decode(userinfo), password, decode(password)].filter((s) => s.length > 0);
}

/** Removes every secret from a driver message (longest first, so parts do not leak). */
export function redact(message: string, secrets: readonly string[]): string {
  return [...secrets]
    .sort((a, b) => b.length - a.length)
    .reduce((text, secret) => text.split(secret).join('[redacted]'), message);
}
