/**
 * Moderation: roles, domain blocks, account suspensions, the reports queue,
 * the audit log, moderation of local rooms, instance settings and spam
 * limits. Other folders import only from here; moderation reaches rooms and
 * federation only through the ports in `ports.ts`, and tells them what
 * happened through its domain events (`events.ts`). The composition root
 * wires both (ADR 0022).
 */
import express, { type RequestHandler, type Router } from 'express';
import type { Config } from '../../config/index.js';
import { DomainEvents } from '../core/domain-events.js';
import type { Logger } from '../core/logging/logger.js';
import type { Store } from '../store/index.js';
import { ActionLimits } from './action-limits.js';
import { AuditLog } from './audit-log.js';
import { DomainBlocks } from './domain-blocks.js';
import type { ModerationEvents } from './events.js';
import { InstanceSettings } from './instance-settings.js';
import { moderationRoutes } from './moderation.controller.js';
import type { RemoteReportTargets, RoomModeration } from './ports.js';
import { Reports } from './reports.js';
import { Roles } from './roles.js';
import { staffRoutes } from './staff.controller.js';
import { requireStaff } from './staff-auth.js';
import { Suspensions } from './suspensions.js';

export { ActionLimits, type LimitedAction } from './action-limits.js';
export { AuditLog, CLI_ACTOR, deletedStaffPlaceholder, type AuditAction, type StaffActor } from './audit-log.js';
export { DomainBlocks } from './domain-blocks.js';
export { canonicalHost, normalizeDomain } from './domain-names.js';
export type { ModerationError } from './errors.js';
export type { ModerationEvents } from './events.js';
export type { LiveRoomSummary, ModerationLeaveReason, RemoteReportTargets, RoomModeration } from './ports.js';
export { Reports, MAX_REPORT_COMMENT } from './reports.js';
export { Roles, type AccountRole } from './roles.js';
export { Suspensions } from './suspensions.js';
export { InstanceSettings, type InstanceSettingsValue } from './instance-settings.js';

/** How often the in-memory blocks and suspensions are re-read (changes made with the command line). */
const REFRESH_MS = 5_000;

/** What moderation reads and writes in the store. */
export type ModerationStore = Pick<Store, 'moderation' | 'accounts' | 'personas' | 'sessions' | 'instance' | 'rooms'>;

export interface ModerationCoreDeps {
  config: Pick<Config, 'http' | 'accounts' | 'instance'>;
  store: ModerationStore;
  log: Logger;
  now?: () => number;
}

export interface ModerationDeps extends ModerationCoreDeps {
  config: Pick<Config, 'http' | 'accounts' | 'instance' | 'limits'>;
  /** The accounts module's session middleware (401 without a live session). */
  requireSession: RequestHandler;
  refreshMs?: number;
}

/** The other modules' sides moderation acts through, given once they exist. */
export interface ModerationPorts {
  rooms?: RoomModeration;
  remote?: RemoteReportTargets;
}

/** Moderation's services, without HTTP: what the command line uses too. */
export interface ModerationCore {
  /** `domainSuspended`, `accountSuspended`: the composition root subscribes the modules that act on them. */
  readonly events: DomainEvents<ModerationEvents>;
  readonly audit: AuditLog;
  readonly blocks: DomainBlocks;
  readonly suspensions: Suspensions;
  readonly roles: Roles;
  readonly reports: Reports;
  readonly settings: InstanceSettings;
  /** Loads blocks, suspensions and settings from the store. */
  load(): Promise<void>;
  /** Plugs in the rooms' and federation's sides (built after moderation, which every door asks from the start). */
  attach(ports: ModerationPorts): void;
  /** An account is gone: its role is forgotten and its audit entries keep a placeholder name. */
  accountDeleted(accountId: string): Promise<void>;
}

export function createModerationCore(deps: ModerationCoreDeps): ModerationCore {
  const { store, config } = deps;
  const log = deps.log.child({ module: 'moderation' });
  const now = deps.now ?? Date.now;
  const ports: ModerationPorts = {};
  const events = new DomainEvents<ModerationEvents>((e, event) => log.error({ err: e, event }, 'a moderation event listener failed'));
  const audit = new AuditLog(store.moderation, now);
  const blocks = new DomainBlocks({ repo: store.moderation, audit, ownHost: new URL(config.http.publicUrl).host, log, events, now });
  const suspensions = new Suspensions({ store, audit, log, events, now });
  const roles = new Roles({ store, audit, admins: config.accounts.admins, log });
  const reports = new Reports({ store, audit, blocks, suspensions, rooms: () => ports.rooms, remote: () => ports.remote, publicUrl: config.http.publicUrl, log, now });
  const settings = new InstanceSettings({ store, audit, config });
  return {
    events, audit, blocks, suspensions, roles, reports, settings,
    async load() {
      await blocks.load();
      await suspensions.load();
      await settings.load();
      await roles.applyConfiguredAdmins();
    },
    attach(given) {
      Object.assign(ports, given);
    },
    async accountDeleted(accountId) {
      await store.moderation.forgetAccount(accountId);
      await audit.accountDeleted(accountId);
    },
  };
}

/** The running moderation module of a server. */
export interface Moderation extends ModerationCore {
  readonly limits: ActionLimits;
  readonly router: Router;
  close(): void;
}

export function createModeration(deps: ModerationDeps): Moderation {
  const { config, store } = deps;
  const now = deps.now ?? Date.now;
  const core = createModerationCore(deps);
  const limits = new ActionLimits(config.limits, now);
  const ports: ModerationPorts = {};

  const session = deps.requireSession;
  const json = express.json({ limit: '64kb' });
  const router = express.Router();
  moderationRoutes(router, {
    blocks: core.blocks, reports: core.reports, audit: core.audit, settings: core.settings,
    staffRead: [session, requireStaff(core.roles, 'staff')],
    staffWrite: [session, requireStaff(core.roles, 'staff'), json],
    reportWrite: [session, json, limits.middleware('reports')],
  });
  staffRoutes(router, {
    store, roles: core.roles, suspensions: core.suspensions, settings: core.settings, audit: core.audit,
    rooms: () => ports.rooms,
    staffRead: [session, requireStaff(core.roles, 'staff')],
    staffWrite: [session, requireStaff(core.roles, 'staff'), json],
    adminWrite: [session, requireStaff(core.roles, 'admin'), json],
  });

  let timer: NodeJS.Timeout | undefined;
  const refresh = (): void => {
    timer = setTimeout(() => {
      Promise.all([core.blocks.refresh(), core.suspensions.load()])
        .catch((e: unknown) => deps.log.child({ module: 'moderation' }).error({ err: e }, 're-reading moderation state failed'))
        .finally(() => {
          if (timer) refresh();
        });
    }, deps.refreshMs ?? REFRESH_MS);
    timer.unref();
  };
  refresh();

  return {
    ...core,
    attach(given) {
      if (given.rooms) ports.rooms = given.rooms;
      core.attach(given);
    },
    limits,
    router,
    close() {
      clearTimeout(timer);
      timer = undefined;
    },
  };
}
