import { Router, type Request, type Response } from 'express';
import { sendError } from '../../server/core/http-errors.js';
import type { Store } from '../../server/store/index.js';
import type { ApexApi } from '../apex/apex-api.js';
import { CoarseCount } from './coarse-count.js';

/** NodeInfo's user count: refreshed at most hourly, rounded up to a multiple of 10 (see CoarseCount). */
export const NODEINFO_USERS = { refreshMs: 60 * 60 * 1000, step: 10 };

export interface WellKnownDeps {
  apex: ApexApi;
  store: Pick<Store, 'apex' | 'federation'>;
  publicUrl: string;
  version: string;
  openRegistrations: () => boolean;
}

const HANDLE = /^[a-z0-9_]{1,30}$/;

/** `acct:handle@host`, `handle@host` or the actor URL itself → the local handle, or an error status. */
function handleFromResource(resource: string, deps: WellKnownDeps): { handle: string } | { status: 400 | 404; message: string } {
  const host = new URL(deps.publicUrl).host.toLowerCase();
  const acct = /^(?:acct:)?@?([^@\s]+)@([^@\s]+)$/i.exec(resource);
  if (acct) {
    const [, user = '', domain = ''] = acct;
    if (domain.toLowerCase() !== host) return { status: 404, message: `${resource} is not on this instance` };
    const handle = user.toLowerCase();
    return HANDLE.test(handle) ? { handle } : { status: 404, message: `${resource} not found` };
  }
  const actorPrefix = `${deps.apex.baseUrl.toLowerCase()}/u/`;
  if (resource.toLowerCase().startsWith(actorPrefix)) {
    const handle = resource.slice(actorPrefix.length).toLowerCase();
    return HANDLE.test(handle) ? { handle } : { status: 404, message: `${resource} not found` };
  }
  return { status: 400, message: 'resource must be acct:handle@host or an actor URL of this instance' };
}

/** WebFinger (RFC 7033), host-meta and NodeInfo 2.1. */
export function wellKnownRouter(deps: WellKnownDeps): Router {
  const router = Router();
  const userCount = new CoarseCount(() => deps.store.apex.getUserCount(), NODEINFO_USERS);
  const cors = (_req: Request, res: Response, next: () => void): void => {
    res.set('Access-Control-Allow-Origin', '*');
    next();
  };

  router.get('/.well-known/webfinger', cors, (req, res, next) => {
    const resource = req.query.resource;
    if (typeof resource !== 'string' || resource.length === 0 || resource.length > 512) {
      sendError(res, 400, 'bad_resource', 'the resource query parameter is required (acct:handle@host)');
      return;
    }
    const parsed = handleFromResource(resource, deps);
    if ('status' in parsed) {
      sendError(res, parsed.status, parsed.status === 400 ? 'bad_resource' : 'not_found', parsed.message);
      return;
    }
    const actorId = deps.apex.utils.usernameToIRI(parsed.handle);
    (async () => {
      if (await deps.store.federation.getTombstone(actorId)) {
        sendError(res, 410, 'gone', `${resource} was deleted`);
        return;
      }
      const actor = await deps.store.apex.getObject(actorId);
      if (!actor || actor.type === 'Tombstone') {
        sendError(res, 404, 'not_found', `${resource} not found`);
        return;
      }
      res.type('application/jrd+json').json({
        subject: `acct:${parsed.handle}@${new URL(deps.publicUrl).host}`,
        aliases: [actorId],
        links: [
          { rel: 'self', type: 'application/activity+json', href: actorId },
          { rel: 'http://webfinger.net/rel/profile-page', type: 'text/html', href: actorId },
        ],
      });
    })().catch(next);
  });

  router.get('/.well-known/host-meta', cors, (_req, res) => {
    const template = `${deps.publicUrl}/.well-known/webfinger?resource={uri}`;
    res.type('application/xrd+xml').send(
      `<?xml version="1.0" encoding="UTF-8"?>\n<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">\n  <Link rel="lrdd" template="${template}"/>\n</XRD>\n`,
    );
  });
  router.get('/.well-known/host-meta.json', cors, (_req, res) => {
    res.json({ links: [{ rel: 'lrdd', template: `${deps.publicUrl}/.well-known/webfinger?resource={uri}` }] });
  });

  router.get('/.well-known/nodeinfo', cors, (_req, res) => {
    res.json({ links: [{ rel: 'http://nodeinfo.diaspora.software/ns/schema/2.1', href: `${deps.publicUrl}/nodeinfo/2.1` }] });
  });
  router.get('/nodeinfo/2.1', cors, (_req, res, next) => {
    (async () => {
      const users = await userCount.value();
      res.type('application/json; profile="http://nodeinfo.diaspora.software/ns/schema/2.1#"').json({
        version: '2.1',
        software: { name: 'hearth', version: deps.version },
        protocols: ['activitypub'],
        services: { inbound: [], outbound: [] },
        openRegistrations: deps.openRegistrations(),
        usage: { users: { total: users } },
        metadata: { nodeName: new URL(deps.publicUrl).host, features: ['audio-rooms'] },
      });
    })().catch(next);
  });
  return router;
}
