/**
 * Storage: the only entry point other folders import. `openStore` picks the
 * adapter; everything else works against the {@link Store} port.
 */
import type { Database } from 'better-sqlite3';
import type { Logger } from '../core/logging/logger.js';
import { MongoStore } from './mongo/mongo-store.js';
import type { Store } from './port.js';
import { SqliteStore } from './sqlite/sqlite-store.js';

export type {
  ApexContext,
  ApexDocument,
  ApexStore,
  ApexStreamItem,
  ActorTombstone,
  FederationRepository,
  FollowRequest,
  InboundUnit,
  InboundReport,
  InstanceRepository,
  Store,
} from './port.js';
export type {
  ClaimedDeliveryJob,
  DeliveryBatch,
  DeliveryBatchJob,
  DeliveryHostHealth,
  DeliveryJob,
  DeliveryJobState,
  DeliveryOutcome,
  DeliveryRepository,
  DeliverySettlement,
  HostsClaim,
  NewDeliveryJob,
} from './delivery-port.js';
export type {
  AccountRecord,
  AccountRepository,
  CreateAccountOutcome,
  CreatePersonaOutcome,
  InviteRepository,
  PersonaPatch,
  PersonaRecord,
  PersonaRepository,
  SessionRecord,
  SessionRepository,
} from './accounts-port.js';
export type {
  AuditEntry,
  DomainBlockLevel,
  DomainBlockRecord,
  ModerationRepository,
  NewAuditEntry,
  ReportAction,
  ReportRecord,
  ReportResolution,
  ReportSource,
  ReportTargetKind,
} from './moderation-port.js';
export type { RoomInvitation, RoomLifecycle, RoomPatch, RoomRecord, RoomRepository, RoomVisibility } from './rooms-port.js';
export type { RemoteRoomAudience, RemoteRoomRecord, RemoteRoomRepository, RemoteRoomStatus } from './remote-rooms-port.js';
export { ApexDeliveryQueueUnusedError, StoreUnavailableError, type ApexDeliveryQueueMethod, type StoreUnavailableReason } from './errors.js';
/** The SQLite database's file name inside the data directory (for backups and operations docs). */
export { DATABASE_FILE as SQLITE_DATABASE_FILE } from './sqlite/open.js';
/** Backup and restore of the SQLite store as files (the admin CLI's `backup` and `restore`). */
export { BACKUP_PAGES_PER_STEP, BackupError, backupSqlite, checkBackupFile, databaseInUse, restoreSqlite, type BackupProgress, type BackupSummary } from './sqlite/backup.js';

/** What {@link openStore} needs from the configuration. */
export interface OpenStoreOptions {
  /** Directory of the SQLite database (`hearth.sqlite`); created if missing. */
  dataDir: string;
  /** When set, MongoDB is used instead of SQLite. */
  mongodbUrl?: string | undefined;
  /** The store logs through children of this logger. */
  log: Logger;
  /**
   * Tests only (the composition root's overrides; production passes none):
   * called once with the SQLite store's own connection after it is opened,
   * so a test can make that connection refuse writes (`PRAGMA query_only`).
   */
  onSqliteConnection?: ((db: SqliteConnection) => void) | undefined;
}

/** The SQLite store's connection, as {@link OpenStoreOptions.onSqliteConnection} receives it. */
export type SqliteConnection = Database;

/**
 * Opens the configured store: MongoDB when `mongodbUrl` is set, else SQLite
 * in `dataDir`. Pending migrations and indexes are applied before it answers.
 * @throws StoreUnavailableError with a one-line message saying what to fix
 *   (data directory not writable, database corrupt or from a newer Hearth,
 *   MongoDB unreachable); nothing existing is modified when it throws.
 */
export async function openStore(options: OpenStoreOptions): Promise<Store> {
  if (options.mongodbUrl) {
    return MongoStore.open({ url: options.mongodbUrl, log: options.log });
  }
  return SqliteStore.open({ dataDir: options.dataDir, log: options.log, onConnection: options.onSqliteConnection });
}
