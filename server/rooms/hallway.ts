/**
 * The hallway: live and scheduled rooms of the hosts the acting persona
 * follows, local and remote together, newest first, paged; and looking up a
 * room of another instance by its link. Routes under /api/v1, mounted
 * before the rooms API (so `/api/v1/rooms/lookup` is not taken for a room id).
 */
import express, { type Request, type RequestHandler, type Response, type Router } from 'express';
import { z } from 'zod';
import { getAuth } from '../accounts/index.js';
import { sendError } from '../core/http-errors.js';
import { assertNever } from '../core/result.js';
import type { LookupError, RemoteRoomsPort } from './remote-rooms.js';
import type { FollowGraph, RoomPersonas, RoomService } from './room.service.js';
import type { RoomView } from './views.js';

export interface HallwayDeps {
  rooms: RoomService;
  personas: RoomPersonas;
  publicUrl: string;
  remote?: RemoteRoomsPort;
  /** Tells which followed actors are this instance's personas (federation); without it every followed actor counts as remote. */
  actors?: Pick<FollowGraph, 'localHandleOf'>;
  /** requireSession (a signed-in account). */
  signedIn: RequestHandler[];
}

const pageQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(50).default(20),
  cursor: z.string().max(600).optional(),
});

const lookupQuery = z.strictObject({ url: z.string().min(1).max(2048) });

/** Newest first: by start (or schedule, or creation) time, then by id. */
function sortKey(r: RoomView): string {
  return r.startedAt ?? r.scheduledFor ?? r.createdAt;
}

const encodeCursor = (r: RoomView): string => Buffer.from(JSON.stringify([sortKey(r), r.id])).toString('base64url');

function decodeCursor(cursor: string): [string, string] | undefined {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    return Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && typeof v[1] === 'string' ? [v[0], v[1]] : undefined;
  } catch {
    return undefined;
  }
}

function sendLookupError(res: Response, error: LookupError): void {
  switch (error.kind) {
    case 'invalid_url':
      return sendError(res, 400, 'invalid_request', error.message);
    case 'unavailable':
      return sendError(res, 502, 'remote_unavailable', 'the room could not be fetched from its server');
    case 'not_a_room':
      return sendError(res, 422, 'not_a_room', error.message);
    default:
      return assertNever(error, 'lookup error');
  }
}

export function hallwayRoutes(deps: HallwayDeps): Router {
  const router = express.Router();
  const { rooms, personas, publicUrl } = deps;

  const actingPersona = (req: Request, res: Response): string | undefined => {
    const persona = getAuth(req).persona;
    if (!persona) sendError(res, 403, 'no_persona', 'pick or create a persona first: the hallway is per persona');
    return persona?.id;
  };

  router.get('/api/v1/hallway', ...deps.signedIn, (req, res, next) => {
    res.set('Cache-Control', 'no-store');
    (async () => {
      const query = pageQuery.safeParse(req.query);
      const after = query.success && query.data.cursor !== undefined ? decodeCursor(query.data.cursor) : undefined;
      if (!query.success || (query.data.cursor !== undefined && !after)) {
        sendError(res, 400, 'invalid_request', query.success ? 'cursor: not a cursor of this list' : `${query.error.issues[0]?.path.join('.') || 'query'}: ${query.error.issues[0]?.message ?? 'invalid'}`);
        return;
      }
      const personaId = actingPersona(req, res);
      if (!personaId) return;
      const actorId = (await personas.findById(personaId))?.actorId;
      const followed = actorId && deps.remote ? await deps.remote.following(actorId) : [];
      const localHosts = new Set<string>();
      const remoteHosts: string[] = [];
      for (const id of followed) {
        const handle = deps.actors?.localHandleOf(id) ?? null;
        if (handle !== null) {
          const persona = await personas.findByHandle(handle);
          if (persona) localHosts.add(persona.id);
        } else {
          remoteHosts.push(id);
        }
      }
      const all = [
        ...(await rooms.openRoomsOf(localHosts, { personaId })),
        ...(actorId && deps.remote && remoteHosts.length > 0 ? await deps.remote.visible(actorId, 'hallway', remoteHosts) : []),
      ].sort((a, b) => sortKey(b).localeCompare(sortKey(a)) || a.id.localeCompare(b.id));
      const start = after ? all.findIndex((r) => sortKey(r) < after[0] || (sortKey(r) === after[0] && r.id > after[1])) : 0;
      const page = start < 0 ? [] : all.slice(start, start + query.data.limit);
      const last = page[page.length - 1];
      const more = start >= 0 && start + query.data.limit < all.length;
      res.json({ rooms: page, next: more && last ? encodeCursor(last) : null });
    })().catch(next);
  });

  router.get('/api/v1/rooms/lookup', ...deps.signedIn, (req, res, next) => {
    res.set('Cache-Control', 'no-store');
    (async () => {
      const query = lookupQuery.safeParse(req.query);
      if (!query.success) {
        sendError(res, 400, 'invalid_request', `${query.error.issues[0]?.path.join('.') || 'query'}: ${query.error.issues[0]?.message ?? 'invalid'}`);
        return;
      }
      const personaId = actingPersona(req, res);
      if (!personaId) return;
      const url = query.data.url;
      // A link to one of this instance's own rooms is answered from here.
      const own = url.startsWith(`${publicUrl}/rooms/`) ? url.slice(`${publicUrl}/rooms/`.length) : undefined;
      if (own !== undefined && /^[A-Za-z0-9_-]{1,64}$/.test(own)) {
        const found = await rooms.get(own, { personaId });
        if (found.ok) res.json(found.value);
        else sendError(res, 404, 'room_not_found', 'there is no room with this id that you may see');
        return;
      }
      if (!deps.remote) {
        sendError(res, 404, 'room_not_found', 'rooms of other instances cannot be looked up here');
        return;
      }
      const looked = await deps.remote.lookup(url);
      if (!looked.ok) return sendLookupError(res, looked.error);
      res.json(looked.value);
    })().catch(next);
  });
  return router;
}
