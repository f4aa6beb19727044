/**
 * The moderation API: domain blocks, reports and the audit log, under
 * /api/v1/admin (moderators and administrators), plus `POST /api/v1/reports`
 * for everyone signed in and the public list of blocks.
 */
import type { RequestHandler, Router } from 'express';
import { getAuth } from '../accounts/index.js';
import type { DomainBlockRecord } from '../store/index.js';
import type { AuditLog } from './audit-log.js';
import type { DomainBlocks } from './domain-blocks.js';
import { sendModerationError } from './http-errors.js';
import type { InstanceSettings } from './instance-settings.js';
import type { Reports } from './reports.js';
import { auditQuery, createBlockBody, MAX_REPORT_COMMENT, parseInput, patchBlockBody, reasonBody, reportBody, reportsQuery, resolveBody } from './schemas.js';
import { actorOf, route } from './staff-auth.js';

export interface ModerationRoutesDeps {
  blocks: DomainBlocks;
  reports: Reports;
  audit: AuditLog;
  settings: InstanceSettings;
  /** Session + staff check (+ JSON body parsing for writes). */
  staffRead: RequestHandler[];
  staffWrite: RequestHandler[];
  /** Session + JSON + the reports rate limit. */
  reportWrite: RequestHandler[];
}

const blockView = (b: DomainBlockRecord) => ({
  domain: b.domain, level: b.level, reason: b.reason, publicComment: b.publicComment, createdAt: b.createdAt.toISOString(), updatedAt: b.updatedAt.toISOString(),
});

export function moderationRoutes(router: Router, deps: ModerationRoutesDeps): void {
  const { blocks, reports, staffRead, staffWrite } = deps;

  router.get('/api/v1/admin/domain-blocks', ...staffRead, (_req, res) => {
    res.set('Cache-Control', 'no-store');
    res.json({ domainBlocks: blocks.list().map(blockView) });
  });

  router.post('/api/v1/admin/domain-blocks', ...staffWrite, route(async (req, res) => {
    const body = parseInput(createBlockBody, req.body);
    if (!body.ok) return sendModerationError(res, body.error);
    const created = await blocks.create(actorOf(req), body.value);
    if (!created.ok) return sendModerationError(res, created.error);
    res.status(201).json(blockView(created.value));
  }));

  router.patch('/api/v1/admin/domain-blocks/:domain', ...staffWrite, route(async (req, res) => {
    const body = parseInput(patchBlockBody, req.body);
    if (!body.ok) return sendModerationError(res, body.error);
    const updated = await blocks.update(actorOf(req), String(req.params.domain), body.value);
    if (!updated.ok) return sendModerationError(res, updated.error);
    res.json(blockView(updated.value));
  }));

  router.delete('/api/v1/admin/domain-blocks/:domain', ...staffWrite, route(async (req, res) => {
    const body = parseInput(reasonBody, req.body);
    if (!body.ok) return sendModerationError(res, body.error);
    const removed = await blocks.remove(actorOf(req), String(req.params.domain), body.value.reason ?? '');
    if (!removed.ok) return sendModerationError(res, removed.error);
    res.status(204).end();
  }));

  router.get('/api/v1/instance/domain-blocks', (_req, res) => {
    if (!deps.settings.value.showDomainBlocks) {
      res.status(404).json({ error: 'not_public', message: 'the administrators of this instance do not publish its domain blocks' });
      return;
    }
    res.set('Cache-Control', 'public, max-age=60');
    res.json({ domainBlocks: blocks.list().map((b) => ({ domain: b.domain, level: b.level, comment: b.publicComment })) });
  });

  router.post('/api/v1/reports', ...deps.reportWrite, route(async (req, res) => {
    const body = parseInput(reportBody, req.body);
    if (!body.ok) return sendModerationError(res, body.error);
    if (body.value.comment.length > MAX_REPORT_COMMENT) {
      return sendModerationError(res, { kind: 'unprocessable', message: `comment: at most ${MAX_REPORT_COMMENT} characters` });
    }
    const persona = getAuth(req).persona;
    if (!persona) return sendModerationError(res, { kind: 'no_persona' });
    const filed = await reports.file(persona.id, body.value);
    if (!filed.ok) return sendModerationError(res, filed.error);
    res.status(202).json(filed.value);
  }));

  router.get('/api/v1/admin/reports', ...staffRead, route(async (req, res) => {
    const query = parseInput(reportsQuery, req.query);
    if (!query.ok) return sendModerationError(res, query.error);
    res.json(await reports.list({ resolved: query.value.resolved === 'true', limit: query.value.limit ?? 50, before: query.value.before }));
  }));

  router.get('/api/v1/admin/reports/:id', ...staffRead, route(async (req, res) => {
    const found = await reports.get(String(req.params.id));
    if (!found.ok) return sendModerationError(res, found.error);
    res.json(found.value);
  }));

  router.post('/api/v1/admin/reports/:id/resolve', ...staffWrite, route(async (req, res) => {
    const body = parseInput(resolveBody, req.body);
    if (!body.ok) return sendModerationError(res, body.error);
    const resolved = await reports.resolve(actorOf(req), String(req.params.id), body.value);
    if (!resolved.ok) return sendModerationError(res, resolved.error);
    res.json(resolved.value);
  }));

  router.get('/api/v1/admin/audit-log', ...staffRead, route(async (req, res) => {
    const query = parseInput(auditQuery, req.query);
    if (!query.ok) return sendModerationError(res, query.error);
    res.json(await deps.audit.page(query.value.limit ?? 50, query.value.before === undefined ? undefined : Number(query.value.before)));
  }));
}
