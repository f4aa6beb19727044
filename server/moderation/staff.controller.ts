/**
 * Staff routes beyond blocks and reports: account roles and suspensions,
 * moderation of local rooms and the instance settings (the public
 * `GET /api/v1/instance` that shows them is the web client's, server/web/).
 */
import type { RequestHandler, Router } from 'express';
import type { Store } from '../store/index.js';
import { sendModerationError } from './http-errors.js';
import type { InstanceSettings } from './instance-settings.js';
import type { RoomModeration } from './ports.js';
import type { Roles } from './roles.js';
import { instanceBody, parseInput, reasonBody, removeParticipantBody, roleBody } from './schemas.js';
import { actorOf, route } from './staff-auth.js';
import type { Suspensions } from './suspensions.js';
import type { AuditLog } from './audit-log.js';

export interface StaffRoutesDeps {
  store: Pick<Store, 'accounts' | 'personas'>;
  roles: Roles;
  suspensions: Suspensions;
  settings: InstanceSettings;
  audit: AuditLog;
  rooms: () => RoomModeration | undefined;
  staffRead: RequestHandler[];
  staffWrite: RequestHandler[];
  adminWrite: RequestHandler[];
}

export function staffRoutes(router: Router, deps: StaffRoutesDeps): void {
  const { store, roles, suspensions, settings, staffRead, staffWrite, adminWrite } = deps;
  const username = (value: string | undefined): string => (value ?? '').toLowerCase();

  router.get('/api/v1/admin/staff', ...staffRead, route(async (_req, res) => {
    res.json({ staff: await roles.staff() });
  }));

  router.get('/api/v1/admin/accounts/:username', ...staffRead, route(async (req, res) => {
    const account = await store.accounts.findByUsername(username(req.params.username));
    if (!account) return sendModerationError(res, { kind: 'account_not_found' });
    res.json({ username: account.username, role: await roles.roleOf(account), suspended: suspensions.isSuspended(account.id) });
  }));

  router.put('/api/v1/admin/accounts/:username/role', ...adminWrite, route(async (req, res) => {
    const body = parseInput(roleBody, req.body);
    if (!body.ok) return sendModerationError(res, body.error);
    const set = await roles.setRole(actorOf(req), username(req.params.username), body.value.role);
    if (!set.ok) return sendModerationError(res, set.error);
    res.json(set.value);
  }));

  for (const action of ['suspend', 'unsuspend'] as const) {
    router.post(`/api/v1/admin/accounts/:username/${action}`, ...staffWrite, route(async (req, res) => {
      const body = parseInput(reasonBody, req.body);
      if (!body.ok) return sendModerationError(res, body.error);
      const name = username(req.params.username);
      const done = action === 'suspend'
        ? await suspensions.suspend(actorOf(req), name, body.value.reason ?? '')
        : await suspensions.lift(actorOf(req), name, body.value.reason ?? '');
      if (!done.ok) return sendModerationError(res, done.error);
      res.json(done.value);
    }));
  }

  router.get('/api/v1/admin/rooms', ...staffRead, route(async (_req, res) => {
    res.json({ rooms: (await deps.rooms()?.liveRooms()) ?? [] });
  }));

  router.post('/api/v1/admin/rooms/:id/end', ...staffWrite, route(async (req, res) => {
    const body = parseInput(reasonBody, req.body);
    if (!body.ok) return sendModerationError(res, body.error);
    const id = String(req.params.id);
    if (!(await deps.rooms()?.endRoomAsModerator(id))) return sendModerationError(res, { kind: 'room_not_found' });
    await deps.audit.record(actorOf(req), 'room.end', `room ${id}`, body.value.reason ?? '');
    res.json({ id, state: 'ended' });
  }));

  router.post('/api/v1/admin/rooms/:id/remove', ...staffWrite, route(async (req, res) => {
    const body = parseInput(removeParticipantBody, req.body);
    if (!body.ok) return sendModerationError(res, body.error);
    const id = String(req.params.id);
    const persona = await store.personas.findByHandle(body.value.handle.replace(/^@/, '').toLowerCase());
    if (!persona) return sendModerationError(res, { kind: 'participant_not_found' });
    const done = (await deps.rooms()?.removeParticipant(id, persona.id, body.value.ban === true)) ?? 'room_not_found';
    if (done === 'room_not_found') return sendModerationError(res, { kind: 'room_not_found' });
    if (done === 'not_in_room') return sendModerationError(res, { kind: 'participant_not_found' });
    await deps.audit.record(actorOf(req), body.value.ban ? 'room.ban_participant' : 'room.remove_participant', `@${persona.handle} in room ${id}`, body.value.reason ?? '');
    res.json({ removed: `@${persona.handle}`, banned: body.value.ban === true });
  }));

  router.get('/api/v1/admin/instance', ...staffRead, (_req, res) => {
    res.set('Cache-Control', 'no-store');
    res.json(settings.value);
  });

  router.patch('/api/v1/admin/instance', ...adminWrite, route(async (req, res) => {
    const body = parseInput(instanceBody, req.body);
    if (!body.ok) return sendModerationError(res, body.error);
    res.json(await settings.update(actorOf(req), body.value));
  }));
}
