import type { Database } from 'better-sqlite3';
import type { Logger } from '../../core/logging/logger.js';
import type { InboundUnit, Store } from '../port.js';
import { SqliteAccountRepository, SqliteInviteRepository } from './account-repository.js';
import { SqliteApexStore } from './apex-store.js';
import { SqliteDeliveryRepository } from './delivery-repository.js';
import { SqliteFederationRepository } from './federation-repository.js';
import { SqliteInstanceRepository } from './instance-repository.js';
import { MIGRATIONS } from './migrations/index.js';
import { SqliteModerationRepository } from './moderation-repository.js';
import { openSqliteDatabase } from './open.js';
import { SqliteRoomRepository } from './room-repository.js';
import { SqliteRemoteRoomRepository } from './remote-room-repository.js';
import { SqlitePersonaRepository } from './persona-repository.js';
import { SqliteSessionRepository } from './session-repository.js';
import { settle } from './settle.js';

/** The embedded store: one SQLite file in the data directory. */
export class SqliteStore implements Store {
  readonly kind = 'sqlite';
  readonly apex: SqliteApexStore;
  readonly instance: SqliteInstanceRepository;
  readonly accounts: SqliteAccountRepository;
  readonly sessions: SqliteSessionRepository;
  readonly personas: SqlitePersonaRepository;
  readonly invites: SqliteInviteRepository;
  readonly federation: SqliteFederationRepository;
  readonly delivery: SqliteDeliveryRepository;
  readonly rooms: SqliteRoomRepository;
  readonly moderation: SqliteModerationRepository;
  readonly remoteRooms: SqliteRemoteRoomRepository;
  private closed = false;

  /** `parentLog`: for the parts that name their own module (one module name per logger). */
  private constructor(private readonly db: Database, private readonly log: Logger, parentLog: Logger) {
    this.apex = new SqliteApexStore(db, parentLog);
    this.instance = new SqliteInstanceRepository(db);
    this.accounts = new SqliteAccountRepository(db);
    this.sessions = new SqliteSessionRepository(db);
    this.personas = new SqlitePersonaRepository(db);
    this.invites = new SqliteInviteRepository(db);
    this.federation = new SqliteFederationRepository(db);
    this.delivery = new SqliteDeliveryRepository(db);
    this.rooms = new SqliteRoomRepository(db);
    this.moderation = new SqliteModerationRepository(db);
    this.remoteRooms = new SqliteRemoteRoomRepository(db);
  }

  /**
   * Opens `<dataDir>/hearth.sqlite`, creating the directory and the database
   * as needed and applying pending migrations. `onConnection` (tests only)
   * is handed the opened connection.
   * @throws StoreUnavailableError when the directory or the database cannot be used.
   */
  static open(options: { dataDir: string; log: Logger; onConnection?: ((db: Database) => void) | undefined }): SqliteStore {
    const log = options.log.child({ module: 'store.sqlite' });
    const db = openSqliteDatabase(options.dataDir, MIGRATIONS, log);
    options.onConnection?.(db);
    return new SqliteStore(db, log, options.log);
  }

  storeInbound(unit: InboundUnit): Promise<boolean> {
    // One immediate transaction, one synced commit; the repositories' own
    // transactions inside it are savepoints. Nothing is written for a duplicate.
    return settle(() => this.db.transaction(() => {
      if (!this.federation.claimInboundNow(unit.activityId, unit.receivedAt)) return false;
      for (const activity of unit.activities) this.apex.saveActivityNow(activity);
      if (unit.deliveries && unit.deliveries.jobs.length > 0) this.delivery.enqueueNow(unit.deliveries.jobs, unit.deliveries.now);
      if (unit.contacts && unit.contacts.inboxes.length > 0) this.federation.recordContactsNow(unit.contacts.actorId, unit.contacts.inboxes);
      return true;
    }).immediate());
  }

  ping(): Promise<boolean> {
    return settle(() => {
      if (this.closed) return false;
      try {
        return this.db.prepare('SELECT 1').pluck().get() === 1;
      } catch (error) {
        this.log.warn({ err: error }, 'sqlite ping failed');
        return false;
      }
    });
  }

  checkpoint(): Promise<void> {
    return settle(() => {
      if (this.closed) return;
      // TRUNCATE: the old frames (which may hold deleted rows) are copied
      // over and the -wal file is cut to zero bytes, not merely rewound.
      const [result] = this.db.pragma('wal_checkpoint(TRUNCATE)') as Array<{ busy: number; log: number; checkpointed: number }>;
      if (result && result.busy !== 0) this.log.warn({ frames: result.log, checkpointed: result.checkpointed }, 'wal checkpoint incomplete: a reader held it back');
    });
  }

  close(): Promise<void> {
    return settle(() => {
      if (this.closed) return;
      this.closed = true;
      // Closing checkpoints the WAL into the database file.
      this.db.close();
      this.log.info('sqlite store closed');
    });
  }
}
