/**
 * Serves the browser client: the HTML shell for every page path, the bundled
 * script and stylesheet (built by esbuild into dist/web/ at set-up, see
 * scripts/build-web.mjs) and the favicon. Pages are rendered in the browser
 * from the documented HTTP API and the signaling WebSocket.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Request, type Router } from 'express';
import { instanceInfo, instanceRoutes, type CurrentInstanceSettings, type InstanceConfig } from './instance.controller.js';
import { FAVICON_SVG, renderShell } from './page.js';

/** dist/web, next to dist/server (this file is dist/server/web/web.controller.js). */
const BUNDLE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'web');

/** Paths the client renders (wouter routes in server/web/client/main.tsx). */
export const PAGE_PATHS = ['/', '/signin', '/signup', '/recover', '/welcome', '/personas', '/hallway', '/people', '/admin', '/deletions/:id', '/remote-room'] as const;

/** ActivityPub clients asking for a room's id get its Event from federation's route, mounted after this one. */
function wantsActivityJson(req: Request): boolean {
  const preferred = req.accepts(['text/html', 'application/activity+json', 'application/ld+json']);
  return preferred === 'application/activity+json' || preferred === 'application/ld+json';
}

/**
 * The pages, their assets and `GET /api/v1/instance` (the landing page's
 * facts); `current` answers the instance settings administrators changed.
 */
export function webClientRoutes(config: InstanceConfig, current?: CurrentInstanceSettings): Router {
  const router = express.Router();
  router.use(instanceRoutes(config, current));
  // The shell's title follows the instance's name, which administrators may change.
  let shell = { name: '', html: '' };
  const sendShell = (res: express.Response): void => {
    const name = instanceInfo(config, current).name;
    if (shell.name !== name || shell.html === '') shell = { name, html: renderShell(name) };
    res.set('Cache-Control', 'no-store');
    res.type('html').send(shell.html);
  };
  for (const p of PAGE_PATHS) router.get(p, (_req, res) => sendShell(res));
  router.get('/rooms/:id', (req, res, next) => {
    // ActivityPub clients get the room's Event from federation's route (content negotiation).
    if (wantsActivityJson(req)) {
      next();
      return;
    }
    sendShell(res);
  });
  for (const [name, type] of [['client.js', 'application/javascript'], ['client.css', 'text/css']] as const) {
    router.get(`/assets/${name}`, (_req, res) => {
      const file = path.join(BUNDLE_DIR, name);
      if (!fs.existsSync(file)) {
        res.status(503).type('text/plain').send('the web client was not built; run npm start or node scripts/build-web.mjs');
        return;
      }
      res.set('Cache-Control', 'no-cache');
      res.type(type).sendFile(file);
    });
  }
  for (const p of ['/favicon.svg', '/favicon.ico']) {
    router.get(p, (_req, res) => {
      res.set('Cache-Control', 'public, max-age=86400');
      res.type('image/svg+xml').send(FAVICON_SVG);
    });
  }
  return router;
}
