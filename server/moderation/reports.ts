/**
 * The reports queue: reports by local personas (about a local persona, a
 * remote persona or a room) and Flags from other instances land in one
 * queue; moderators resolve each with an action. Forwarding a report about
 * a remote persona to its instance is the reporter's choice and goes out
 * from the instance actor, never naming the reporter.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from '../core/logging/logger.js';
import { err, ok, type Result } from '../core/result.js';
import type { ReportAction, ReportRecord, ReportTargetKind, Store } from '../store/index.js';
import type { AuditLog, StaffActor } from './audit-log.js';
import type { DomainBlocks } from './domain-blocks.js';
import type { ModerationErrorOf } from './errors.js';
import type { RemoteReportTargets, RoomModeration } from './ports.js';
import type { Suspensions } from './suspensions.js';

/** Longest comment a report may carry. */
export const MAX_REPORT_COMMENT = 1000;

/** A report as moderators see it (the reporting persona's handle for local reports). */
export interface ReportView {
  id: string;
  source: 'local' | 'remote';
  reporter: string | null;
  target: { kind: ReportTargetKind; id: string; label: string };
  roomId: string | null;
  comment: string;
  createdAt: string;
  resolution: { action: ReportAction; by: string; at: string; note: string } | null;
}

export interface ResolveInput {
  action: ReportAction;
  note?: string | undefined;
  /** For remove_from_room: the room (defaults to the report's). */
  roomId?: string | undefined;
  /** For remove_from_room: ban as well. */
  ban?: boolean | undefined;
  /** For block_domain: the level (default suspend). */
  level?: 'suspend' | 'limit' | undefined;
}

type FileError = ModerationErrorOf<'target_not_found' | 'invalid_request'>;
type ResolveError = ModerationErrorOf<'report_not_found' | 'report_resolved' | 'action_not_applicable' | 'room_not_found' | 'participant_not_found'
  | 'invalid_domain' | 'own_domain' | 'already_blocked' | 'block_not_found' | 'account_not_found'>;

export interface ReportsDeps {
  store: Pick<Store, 'moderation' | 'accounts' | 'personas' | 'rooms'>;
  audit: AuditLog;
  blocks: DomainBlocks;
  suspensions: Suspensions;
  rooms: () => RoomModeration | undefined;
  remote: () => RemoteReportTargets | undefined;
  publicUrl: string;
  log: Logger;
  now?: () => number;
}

export class Reports {
  constructor(private readonly deps: ReportsDeps) {}

  private now(): Date {
    return new Date((this.deps.now ?? Date.now)());
  }

  /** A report by a local persona; `forward` also sends a Flag to a remote target's instance. */
  async file(reporterPersonaId: string, input: { target: string; comment: string; roomId?: string | undefined; forward?: boolean | undefined }): Promise<Result<{ id: string; forwarded: boolean }, FileError>> {
    const target = await this.resolveTarget(input.target, input.roomId);
    if (!target.ok) return target;
    if (input.roomId !== undefined && !(await this.deps.rooms()?.roomTitle(input.roomId))) {
      return err({ kind: 'target_not_found', message: 'roomId: no room with this id on this instance' });
    }
    const report: ReportRecord = {
      id: randomBytes(12).toString('base64url'),
      source: 'local',
      reporter: reporterPersonaId,
      targetKind: target.value.kind,
      target: target.value.id,
      targetLabel: target.value.label,
      roomId: input.roomId ?? (target.value.kind === 'room' ? target.value.id : null),
      comment: input.comment,
      createdAt: this.now(),
      activityId: null,
      resolution: null,
    };
    await this.deps.store.moderation.createReport(report);
    let forwarded = false;
    if (input.forward && target.value.kind === 'remote_actor') forwarded = (await this.deps.remote()?.forward(target.value.id, input.comment)) ?? false;
    this.deps.log.info({ kind: report.targetKind, forwarded }, 'report filed');
    return ok({ id: report.id, forwarded });
  }

  /** An inbound Flag (already verified): queued once per activity, about its first local object. */
  async receiveFlag(flag: { activityId: string; reporter: string; objects: readonly string[]; content: string }): Promise<void> {
    const local = flag.objects.filter((o) => o.toLowerCase().startsWith(`${this.deps.publicUrl.toLowerCase()}/`));
    const first = local[0];
    if (!first) return;
    const target = await this.resolveTarget(first, undefined);
    const report: ReportRecord = {
      id: randomBytes(12).toString('base64url'),
      source: 'remote',
      reporter: flag.reporter,
      targetKind: target.ok ? target.value.kind : 'persona',
      target: target.ok ? target.value.id : first,
      targetLabel: target.ok ? target.value.label : first,
      roomId: target.ok && target.value.kind === 'room' ? target.value.id : null,
      comment: flag.content.slice(0, 5_000),
      createdAt: this.now(),
      activityId: flag.activityId,
      resolution: null,
    };
    if (await this.deps.store.moderation.createReport(report)) this.deps.log.info({ objects: local.length }, 'report received from another instance');
  }

  async list(query: { resolved: boolean; limit: number; before?: string | undefined }): Promise<{ reports: ReportView[]; next: string | null }> {
    const rows = await this.deps.store.moderation.listReports({ resolved: query.resolved, limit: query.limit, ...(query.before ? { before: query.before } : {}) });
    const reports = await Promise.all(rows.map((r) => this.view(r)));
    const last = rows[rows.length - 1];
    return { reports, next: rows.length === query.limit && last ? last.id : null };
  }

  async get(id: string): Promise<Result<ReportView, ModerationErrorOf<'report_not_found'>>> {
    const report = await this.deps.store.moderation.getReport(id);
    return report ? ok(await this.view(report)) : err({ kind: 'report_not_found' });
  }

  /** Applies the action, then closes the report; both recorded in the audit log. */
  async resolve(actor: StaffActor, id: string, input: ResolveInput): Promise<Result<ReportView, ResolveError>> {
    const { store } = this.deps;
    const report = await store.moderation.getReport(id);
    if (!report) return err({ kind: 'report_not_found' });
    if (report.resolution) return err({ kind: 'report_resolved' });
    const applied = await this.apply(actor, report, input);
    if (!applied.ok) return applied;
    const resolution = { action: input.action, by: actor.username, at: this.now(), note: input.note ?? '' };
    if (!(await store.moderation.resolveReport(id, resolution))) return err({ kind: 'report_resolved' });
    await this.deps.audit.record(actor, 'report.resolve', `report ${id}`, `${input.action}${input.note ? `: ${input.note}` : ''}`);
    return ok(await this.view({ ...report, resolution }));
  }

  private async apply(actor: StaffActor, report: ReportRecord, input: ResolveInput): Promise<Result<null, ResolveError>> {
    const reason = input.note ?? `report ${report.id}`;
    switch (input.action) {
      case 'dismiss':
        return ok(null);
      case 'remove_from_room': {
        const roomId = input.roomId ?? report.roomId;
        if (report.targetKind !== 'persona' || !roomId) {
          return err({ kind: 'action_not_applicable', message: 'remove_from_room needs a report about a local persona and a room (roomId)' });
        }
        const rooms = this.deps.rooms();
        const done = rooms ? await rooms.removeParticipant(roomId, report.target, input.ban === true) : 'room_not_found';
        if (done === 'room_not_found') return err({ kind: 'room_not_found' });
        if (done === 'not_in_room') return err({ kind: 'participant_not_found' });
        await this.deps.audit.record(actor, input.ban ? 'room.ban_participant' : 'room.remove_participant', `${report.targetLabel} in room ${roomId}`, reason);
        return ok(null);
      }
      case 'suspend_account': {
        const personaId = report.targetKind === 'persona' ? report.target : report.targetKind === 'room' ? (await this.deps.store.rooms.get(report.target))?.hostPersonaId : undefined;
        const persona = personaId ? await this.deps.store.personas.findById(personaId) : undefined;
        const account = persona ? await this.deps.store.accounts.findById(persona.accountId) : undefined;
        if (!account) return err({ kind: 'action_not_applicable', message: 'suspend_account needs a report about a local persona or a local room' });
        const done = await this.deps.suspensions.suspend(actor, account.username, reason);
        return done.ok ? ok(null) : done;
      }
      case 'block_domain': {
        const url = report.targetKind === 'remote_actor' ? report.target : report.source === 'remote' ? report.reporter : undefined;
        if (!url) return err({ kind: 'action_not_applicable', message: 'block_domain needs a report about a remote persona, or one from another instance' });
        const host = new URL(url).hostname;
        const existing = this.deps.blocks.blockOf(host);
        const level = input.level ?? 'suspend';
        const done = existing
          ? await this.deps.blocks.update(actor, existing.domain, { level })
          : await this.deps.blocks.create(actor, { domain: host, level, reason });
        return done.ok ? ok(null) : done;
      }
    }
  }

  /** A target as typed by a reporter: a local persona, a remote actor, or a room of this instance. */
  private async resolveTarget(input: string, roomId: string | undefined): Promise<Result<{ kind: ReportTargetKind; id: string; label: string }, FileError>> {
    const text = input.trim().replace(/^acct:/i, '');
    const base = this.deps.publicUrl.toLowerCase();
    const ownHost = new URL(this.deps.publicUrl).host.toLowerCase();
    const notFound = err({ kind: 'target_not_found' as const, message: 'target: no such persona or room (expected handle, handle@host, an actor URL or a room URL)' });
    let room: string | undefined;
    let handle: string | undefined;
    if (text.toLowerCase().startsWith(`${base}/rooms/`)) room = text.slice(base.length + '/rooms/'.length).split(/[/?#]/)[0];
    else if (roomId !== undefined && text === roomId) room = roomId;
    else if (text.toLowerCase().startsWith(`${base}/u/`)) handle = text.slice(base.length + '/u/'.length).split(/[/?#]/)[0];
    else if (/^@?[a-z0-9_]{1,30}$/i.test(text)) handle = text.replace(/^@/, '');
    else if (/^@?[a-z0-9_]{1,30}@/i.test(text) && text.toLowerCase().endsWith(`@${ownHost}`)) handle = text.replace(/^@/, '').split('@')[0];
    if (room !== undefined) {
      const title = await this.deps.rooms()?.roomTitle(room);
      return title === undefined ? notFound : ok({ kind: 'room', id: room, label: title });
    }
    if (handle !== undefined) {
      const persona = await this.deps.store.personas.findByHandle(handle.toLowerCase());
      return persona ? ok({ kind: 'persona', id: persona.id, label: `@${persona.handle}` }) : notFound;
    }
    const remote = await this.deps.remote()?.resolve(text);
    return remote ? ok({ kind: 'remote_actor', id: remote.actorId, label: remote.label }) : notFound;
  }

  private async view(r: ReportRecord): Promise<ReportView> {
    const reporter = r.source === 'local' ? ((await this.deps.store.personas.findById(r.reporter))?.handle ?? null) : r.reporter;
    return {
      id: r.id,
      source: r.source,
      reporter: r.source === 'local' && reporter ? `@${reporter}` : reporter,
      target: { kind: r.targetKind, id: r.target, label: r.targetLabel },
      roomId: r.roomId,
      comment: r.comment,
      createdAt: r.createdAt.toISOString(),
      resolution: r.resolution ? { ...r.resolution, at: r.resolution.at.toISOString() } : null,
    };
  }
}
