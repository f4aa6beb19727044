/**
 * The Event of a local room, served at the room's id to ActivityPub clients
 * (the same URL answers browsers with the room page), and the join endpoint
 * the Event names (answered by federation/links).
 */
import { Router, type Request } from 'express';
import { sendError } from '../../server/core/http-errors.js';
import { roomEventDocument, type LocalRoomSource } from './room-event.js';

const AP_TYPES = ['application/activity+json', 'application/ld+json'];

/** Whether a request asks for ActivityPub JSON rather than HTML (content negotiation like actors). */
export function wantsActivityJson(req: Request): boolean {
  const preferred = req.accepts(['text/html', ...AP_TYPES]);
  return typeof preferred === 'string' && AP_TYPES.includes(preferred);
}

export function roomEventRouter(deps: { publicUrl: string; source: () => LocalRoomSource | undefined }): Router {
  const router = Router();
  router.get('/rooms/:id', (req, res, next) => {
    if (!wantsActivityJson(req)) {
      next();
      return;
    }
    (async () => {
      const fed = await deps.source()?.federatedRoom(String(req.params.id));
      // Followers-only rooms are only pushed to followers, never served to whoever asks;
      // invite-only rooms never leave the instance.
      const doc = fed && (fed.room.visibility === 'public' || fed.room.visibility === 'unlisted')
        ? roomEventDocument(fed, deps.publicUrl, new Date())
        : undefined;
      if (!doc) {
        sendError(res, 404, 'room_not_found', 'there is no room with this id that may be shown');
        return;
      }
      res.set('Cache-Control', 'no-store');
      res.type('application/activity+json').send(JSON.stringify(doc));
    })().catch(next);
  });
  return router;
}
