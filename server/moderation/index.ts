/**
 * Moderation: roles, domain blocks, account suspensions, the reports queue,
 * the audit log, moderation of local rooms, instance settings and spam
 * limits. Other folders import only from here; moderation reaches rooms and
 * federation only through the ports in `ports.ts`, which instance.ts wires.
 */
import express, { type Router } from 'express';
import type { Config } from '../../config/index.js';
import { requireSession, type PersonaHooks } from '../accounts/index.js';
import type { Logger } from '../logging/logger.js';
import type { Store } from '../store/index.js';
import { ActionLimits } from './action-limits.js';
import { AuditLog } from './audit-log.js';
import { DomainBlocks } from './domain-blocks.js';
import { InstanceSettings } from './instance-settings.js';
import { moderationRoutes } from './moderation.controller.js';
import type { FederationPurge, RemoteReportTargets, RoomModeration } from './ports.js';
import { Reports } from './reports.js';
import { Roles } from './roles.js';
import { staffRoutes } from './staff.controller.js';
import { requireStaff } from './staff-auth.js';
import { Suspensions } from './suspensions.js';

export { ActionLimits, type LimitedAction } from './action-limits.js';
export { AuditLog, CLI_ACTOR, deletedStaffPlaceholder, type AuditAction, type StaffActor } from './audit-log.js';
export { DomainBlocks, type DomainSuspendedListener } from './domain-blocks.js';
export { canonicalHost, normalizeDomain } from './domain-names.js';
export type { ModerationError } from './errors.js';
export type { FederationPurge, LiveRoomSummary, ModerationLeaveReason, RemoteReportTargets, RoomModeration } from './ports.js';
export { Reports, MAX_REPORT_COMMENT } from './reports.js';
export { Roles, type AccountRole } from './roles.js';
export { Suspensions } from './suspensions.js';
export { InstanceSettings } from './instance-settings.js';

/** How often the in-memory blocks and suspensions are re-read (changes made with the command line). */
const REFRESH_MS = 5_000;

export interface ModerationDeps {
  config: Config;
  store: Store;
  log: Logger;
  hooks: PersonaHooks;
  now?: () => number;
  refreshMs?: number;
}

/** Moderation's services, without HTTP: what the command line uses too. */
export interface ModerationCore {
  readonly audit: AuditLog;
  readonly blocks: DomainBlocks;
  readonly suspensions: Suspensions;
  readonly roles: Roles;
  readonly reports: Reports;
  readonly settings: InstanceSettings;
  /** Loads blocks, suspensions and settings from the store. */
  load(): Promise<void>;
  /** Plugs in the other folders' sides (after they are built). */
  connect(ports: { rooms?: RoomModeration; remote?: RemoteReportTargets; federation?: FederationPurge }): void;
}

export function createModerationCore(deps: Omit<ModerationDeps, 'hooks' | 'refreshMs'>): ModerationCore {
  const { store, config } = deps;
  const log = deps.log.child({ module: 'moderation' });
  const now = deps.now ?? Date.now;
  const ports: { rooms?: RoomModeration; remote?: RemoteReportTargets; federation?: FederationPurge } = {};
  const audit = new AuditLog(store.moderation, now);
  const blocks = new DomainBlocks({ repo: store.moderation, audit, ownHost: new URL(config.http.publicUrl).host, log, now });
  const suspensions = new Suspensions({ store, audit, log, now });
  const roles = new Roles({ store, audit, admins: config.accounts.admins, log });
  const reports = new Reports({ store, audit, blocks, suspensions, rooms: () => ports.rooms, remote: () => ports.remote, publicUrl: config.http.publicUrl, log, now });
  const settings = new InstanceSettings({ store, audit, config });
  blocks.onSuspended(async (domain) => {
    const removed = (await ports.rooms?.removeDomainParticipants(domain)) ?? 0;
    const purged = await ports.federation?.purgeDomain(domain);
    log.info({ domain, participantsRemoved: removed, ...purged }, 'domain suspended');
  });
  suspensions.onSuspended(async (account) => {
    await ports.rooms?.removePersonasEverywhere(account.personaIds, 'account_suspended');
  });
  return {
    audit, blocks, suspensions, roles, reports, settings,
    async load() {
      await blocks.load();
      await suspensions.load();
      await settings.load();
      await roles.applyConfiguredAdmins();
    },
    connect(given) {
      Object.assign(ports, given);
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
  const { config, store, hooks } = deps;
  const now = deps.now ?? Date.now;
  const core = createModerationCore(deps);
  const limits = new ActionLimits(config.limits, now);
  hooks.provideSuspensionCheck((accountId) => core.suspensions.isSuspended(accountId));
  const unsubscribe = [
    hooks.onAccountCreated((account) => core.roles.accountCreated(account)),
    hooks.onAccountDeleted(async (accountId) => {
      await store.moderation.forgetAccount(accountId);
      await core.audit.accountDeleted(accountId);
    }),
  ];

  const session = requireSession({ config, store, now });
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
  const ports: { rooms?: RoomModeration } = {};

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
    load: () => core.load(),
    connect(given) {
      if (given.rooms) ports.rooms = given.rooms;
      core.connect(given);
    },
    limits,
    router,
    close() {
      clearTimeout(timer);
      timer = undefined;
      for (const off of unsubscribe) off();
    },
  };
}
