/**
 * The browser client: a page per room (`/rooms/:id`) and its script, bundled
 * by esbuild into dist/web/ at build time (scripts/build-web.mjs).
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Request, type Router } from 'express';
import { renderRoomPage } from '../web/page.js';

/** dist/web, next to dist/server (this file is dist/server/rooms/web.controller.js). */
const BUNDLE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'web', 'client.js');

/** ActivityPub clients asking for a room's id get its Event from federation's route, mounted after this one. */
function wantsActivityJson(req: Request): boolean {
  const preferred = req.accepts(['text/html', 'application/activity+json', 'application/ld+json']);
  return preferred === 'application/activity+json' || preferred === 'application/ld+json';
}

export function webClientRoutes(): Router {
  const router = express.Router();
  router.get('/rooms/:id', (req, res, next) => {
    // ActivityPub clients get the room's Event from federation's route (content negotiation).
    if (wantsActivityJson(req)) {
      next();
      return;
    }
    res.set('Cache-Control', 'no-store');
    res.type('html').send(renderRoomPage(String(req.params.id)));
  });
  router.get('/assets/client.js', (_req, res) => {
    if (!fs.existsSync(BUNDLE)) {
      res.status(503).type('text/plain').send('the web client was not built; run npm start or node scripts/build-web.mjs');
      return;
    }
    res.set('Cache-Control', 'no-cache');
    res.type('application/javascript').sendFile(BUNDLE);
  });
  return router;
}
