/** The rooms HTTP API under /api/v1/rooms. */
import express, { type Request, type RequestHandler, type Response, type Router } from 'express';
import { getAuth, type AuthContext } from '../accounts/index.js';
import { sendRoomError } from './http-errors.js';
import type { Viewer } from './ports.js';
import type { RoomService } from './room.service.js';
import { createRoomBody, emptyBody, inviteBody, parseInput, updateRoomBody } from './schemas.js';

/** Middleware sets the caller's identity, if it has a session (guests have none). */
export type OptionalSession = (req: Request) => Promise<AuthContext | undefined>;

function route(handler: (req: Request, res: Response) => Promise<void>): RequestHandler {
  return (req, res, next) => {
    res.set('Cache-Control', 'no-store');
    handler(req, res).catch(next);
  };
}

export interface RoomRoutesDeps {
  rooms: RoomService;
  /** requireSession + JSON body parser, for writes. */
  signedInWrite: RequestHandler[];
  optionalSession: OptionalSession;
  /** The JWKS of the join-grant keys. */
  jwks: () => Promise<unknown>;
  /** Spam limit on room creation, run once the body is valid. */
  createLimit?: RequestHandler;
}

export function roomRoutes(deps: RoomRoutesDeps): Router {
  const { rooms } = deps;
  const router = express.Router();
  const viewerOf = async (req: Request): Promise<Viewer> => ({ personaId: (await deps.optionalSession(req))?.persona?.id ?? null });
  const host = (req: Request, res: Response): string | undefined => {
    const persona = getAuth(req).persona;
    if (!persona) sendRoomError(res, { kind: 'no_persona' });
    return persona?.id;
  };

  router.get('/.well-known/hearth/jwks.json', route(async (_req, res) => {
    res.set('Cache-Control', 'public, max-age=300');
    res.json(await deps.jwks());
  }));

  const validCreate: RequestHandler = (req, res, next) => {
    const body = parseInput(createRoomBody, req.body);
    if (!body.ok) return sendRoomError(res, body.error);
    next();
  };
  const createLimit: RequestHandler = deps.createLimit ?? ((_req, _res, next) => next());
  router.post('/api/v1/rooms', ...deps.signedInWrite, validCreate, createLimit, route(async (req, res) => {
    const body = parseInput(createRoomBody, req.body);
    if (!body.ok) return sendRoomError(res, body.error);
    const personaId = host(req, res);
    if (!personaId) return;
    const created = await rooms.create(personaId, body.value);
    if (!created.ok) return sendRoomError(res, created.error);
    res.status(201).json(created.value);
  }));

  router.get('/api/v1/rooms', route(async (req, res) => {
    res.json({ rooms: await rooms.list(await viewerOf(req)) });
  }));

  router.get('/api/v1/rooms/:id', route(async (req, res) => {
    const found = await rooms.get(String(req.params.id), await viewerOf(req));
    if (!found.ok) return sendRoomError(res, found.error);
    res.json(found.value);
  }));

  router.patch('/api/v1/rooms/:id', ...deps.signedInWrite, route(async (req, res) => {
    const body = parseInput(updateRoomBody, req.body);
    if (!body.ok) return sendRoomError(res, body.error);
    const personaId = host(req, res);
    if (!personaId) return;
    const updated = await rooms.updateDetails(String(req.params.id), personaId, body.value);
    if (!updated.ok) return sendRoomError(res, updated.error);
    res.json(updated.value);
  }));

  router.delete('/api/v1/rooms/:id', deps.signedInWrite, route(async (req, res) => {
    const personaId = host(req, res);
    if (!personaId) return;
    const removed = await rooms.remove(String(req.params.id), personaId);
    if (!removed.ok) return sendRoomError(res, removed.error);
    res.status(204).end();
  }));

  for (const action of ['start', 'end'] as const) {
    router.post(`/api/v1/rooms/:id/${action}`, ...deps.signedInWrite, route(async (req, res) => {
      const body = parseInput(emptyBody, req.body);
      if (!body.ok) return sendRoomError(res, body.error);
      const personaId = host(req, res);
      if (!personaId) return;
      const id = String(req.params.id);
      const done = action === 'start' ? await rooms.start(id, personaId) : await rooms.end(id, personaId);
      if (!done.ok) return sendRoomError(res, done.error);
      res.json(done.value);
    }));
  }

  router.post('/api/v1/rooms/:id/invitations', ...deps.signedInWrite, route(async (req, res) => {
    const body = parseInput(inviteBody, req.body);
    if (!body.ok) return sendRoomError(res, body.error);
    const personaId = host(req, res);
    if (!personaId) return;
    const invited = await rooms.invite(String(req.params.id), personaId, body.value.handle);
    if (!invited.ok) return sendRoomError(res, invited.error);
    res.status(201).json(invited.value);
  }));

  router.get('/api/v1/rooms/:id/invitations', deps.signedInWrite, route(async (req, res) => {
    const personaId = host(req, res);
    if (!personaId) return;
    const listed = await rooms.invitations(String(req.params.id), personaId);
    if (!listed.ok) return sendRoomError(res, listed.error);
    res.json({ invitations: listed.value });
  }));

  router.delete('/api/v1/rooms/:id/invitations/:handle', deps.signedInWrite, route(async (req, res) => {
    const personaId = host(req, res);
    if (!personaId) return;
    const revoked = await rooms.revoke(String(req.params.id), personaId, String(req.params.handle));
    if (!revoked.ok) return sendRoomError(res, revoked.error);
    res.status(204).end();
  }));
  return router;
}
