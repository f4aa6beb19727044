/**
 * HTTP routes for personas, the directory and search, under /api/v1.
 *
 * Two views of a persona: the owner's (with settings) and everyone else's
 * (handle, display name, summary, actor URL: nothing else). Neither carries
 * an account id, a persona id or a creation time.
 */
import type { Request, RequestHandler, Response, Router } from 'express';
import type { PersonaRecord, Store } from '../store/index.js';
import type { DeletionService } from './deletion.service.js';
import { sendAccountsError } from './http-errors.js';
import type { PersonaService } from './persona.service.js';
import { clientOf, route } from './routing.js';
import { createPersonaBody, directoryQuery, emptyBody, parseInput, passwordBody, searchQuery, updatePersonaBody } from './schemas.js';
import { clearSessionCookie, getAuth } from './session-auth.js';

const DEFAULT_PAGE = 20;

/** What the owner sees of their persona. */
export function ownerView(p: PersonaRecord, actingId: string | null) {
  return {
    handle: p.handle,
    displayName: p.displayName,
    summary: p.summary,
    actorId: p.actorId,
    discoverable: p.discoverable,
    approveFollowers: p.approveFollowers,
    acting: p.id === actingId,
  };
}

/** What anyone else sees of a persona. */
export function publicView(p: PersonaRecord) {
  return { handle: p.handle, displayName: p.displayName, summary: p.summary, actorId: p.actorId };
}

export interface PersonaRoutesDeps {
  store: Pick<Store, 'accounts'>;
  publicUrl: string;
  personas: PersonaService;
  deletion: DeletionService;
  signedIn: RequestHandler[];
  signedInWrite: RequestHandler[];
}

export function personaRoutes(router: Router, deps: PersonaRoutesDeps): void {
  const { personas, signedIn, signedInWrite } = deps;
  const handleOf = (req: Request): string => req.params.handle ?? '';

  router.post('/api/v1/personas', ...signedInWrite, route(async (req, res) => {
    const body = parseInput(createPersonaBody, req.body);
    if (!body.ok) return sendAccountsError(res, body.error);
    const auth = getAuth(req);
    const created = await personas.create(auth, body.value);
    if (!created.ok) return sendAccountsError(res, created.error);
    const { persona, acting } = created.value;
    res.status(201).json(ownerView(persona, acting ? persona.id : (auth.persona?.id ?? null)));
  }));

  router.get('/api/v1/personas', ...signedIn, route(async (req, res) => {
    const auth = getAuth(req);
    const own = await personas.listOwn(auth.account.id);
    res.json({ personas: own.map((p) => ownerView(p, auth.persona?.id ?? null)) });
  }));

  router.patch('/api/v1/personas/:handle', ...signedInWrite, route(async (req, res) => {
    const body = parseInput(updatePersonaBody, req.body);
    if (!body.ok) return sendAccountsError(res, body.error);
    const auth = getAuth(req);
    const updated = await personas.update(auth.account.id, handleOf(req), body.value);
    if (!updated.ok) return sendAccountsError(res, updated.error);
    res.json(ownerView(updated.value, auth.persona?.id ?? null));
  }));

  router.post('/api/v1/personas/:handle/act', ...signedInWrite, route(async (req, res) => {
    const body = parseInput(emptyBody, req.body);
    if (!body.ok) return sendAccountsError(res, body.error);
    const acting = await personas.act(getAuth(req), handleOf(req));
    if (!acting.ok) return sendAccountsError(res, acting.error);
    res.json(ownerView(acting.value, acting.value.id));
  }));

  router.delete('/api/v1/personas/:handle', ...signedInWrite, route(async (req, res) => {
    const body = parseInput(passwordBody, req.body);
    if (!body.ok) return sendAccountsError(res, body.error);
    const auth = getAuth(req);
    const account = await deps.store.accounts.findById(auth.account.id);
    if (!account) throw new Error('the account of a live session is gone');
    const deleted = await deps.deletion.deletePersona(account, handleOf(req), body.value.password, clientOf(req));
    if (!deleted.ok) return sendAccountsError(res, deleted.error);
    // Sessions acting as the persona ended with it, possibly this one.
    const sessionEnded = auth.persona !== null && deleted.value.receipts.some((r) => r.handle === auth.persona?.handle);
    if (sessionEnded) clearSessionCookie(res, deps.publicUrl);
    res.json({ ...deleted.value, sessionEnded });
  }));

  router.get('/api/v1/personas/:handle/export', ...signedIn, route(async (req, res) => {
    const exported = await personas.export(getAuth(req).account.id, handleOf(req));
    if (!exported.ok) return sendAccountsError(res, exported.error);
    res.set('Content-Disposition', `attachment; filename="${exported.value.profile.handle}-export.json"`);
    res.json(exported.value);
  }));

  // Opt-in discovery: only personas whose owner made them discoverable, readable without signing in.
  router.get('/api/v1/directory', route(async (req: Request, res: Response) => {
    const query = parseInput(directoryQuery, req.query);
    if (!query.ok) return sendAccountsError(res, query.error);
    const limit = query.value.limit ?? DEFAULT_PAGE;
    const page = await personas.directory(limit, query.value.after);
    const last = page[page.length - 1];
    res.json({ personas: page.map(publicView), next: page.length === limit && last ? last.handle : null });
  }));

  router.get('/api/v1/search', route(async (req: Request, res: Response) => {
    const query = parseInput(searchQuery, req.query);
    if (!query.ok) return sendAccountsError(res, query.error);
    const found = await personas.search(query.value.q, query.value.limit ?? DEFAULT_PAGE);
    res.json({ personas: found.map(publicView) });
  }));
}
