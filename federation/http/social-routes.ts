import express, { Router, type Request, type RequestHandler, type Response } from 'express';
import { z } from 'zod';
import { getAuth } from '../../server/accounts/index.js';
import { sendError } from '../../server/core/http-errors.js';
import { assertNever } from '../../server/core/result.js';
import type { PersonaRepository } from '../../server/store/index.js';
import type { ActionError, PersonaActions } from '../actors/persona-actions.js';

const targetBody = z.object({ target: z.string().min(3).max(2048) }).strict();
const decisionBody = z.object({ id: z.string().url().max(2048) }).strict();

function sendActionError(res: Response, error: ActionError): void {
  switch (error) {
    case 'bad-address':
      sendError(res, 422, 'bad_address', 'target must be handle@host, acct:handle@host or an actor URL');
      return;
    case 'not-found':
      sendError(res, 404, 'not_found', 'no such account on that instance');
      return;
    case 'not-an-actor':
      sendError(res, 502, 'remote_unavailable', 'the remote actor could not be fetched or is not an actor');
      return;
    case 'instance-blocked':
      sendError(res, 403, 'instance_blocked', 'the moderators of this instance blocked that instance');
      return;
    case 'self':
      sendError(res, 422, 'self', 'a persona cannot follow or block itself');
      return;
    case 'not-following':
      sendError(res, 404, 'not_following', 'this persona does not follow that actor');
      return;
    case 'no-request':
      sendError(res, 404, 'no_request', 'no pending follow request with this id');
      return;
    case 'unknown-persona':
      sendError(res, 404, 'not_found', 'no such persona');
      return;
    default:
      assertNever(error, 'action error');
  }
}

/**
 * A persona's social actions towards other actors, for its owner only:
 * follow, unfollow, block, and follow requests when it approves followers.
 * (Reports are filed through moderation's `POST /api/v1/reports`.)
 * Another account's persona answers 404, never revealing that it exists.
 */
export function socialRouter(deps: { requireSession: RequestHandler; personas: Pick<PersonaRepository, 'findByHandle'>; actions: PersonaActions; followLimit?: RequestHandler }): Router {
  const followLimit: RequestHandler = deps.followLimit ?? ((_req, _res, next) => next());
  const router = Router();
  const auth = deps.requireSession;
  const json = express.json({ limit: '64kb', strict: true });

  const owned = async (req: Request, res: Response): Promise<string | undefined> => {
    const handle = String(req.params.handle ?? '').toLowerCase();
    const persona = await deps.personas.findByHandle(handle);
    if (!persona || persona.accountId !== getAuth(req).account.id) {
      sendError(res, 404, 'not_found', 'no such persona');
      return undefined;
    }
    return handle;
  };

  type Outcome = { ok: true; value: unknown } | { ok: false; error: ActionError };
  /**
   * One shape for every route: parse the body (when there is a schema), check
   * that a `:handle` persona is the caller's, run, answer `status` or the
   * action's error.
   */
  const action = <S extends z.ZodType>(schema: S | null, status: number, run: (handle: string, body: z.infer<S>) => Promise<Outcome>): RequestHandler =>
    (req, res, next) => {
      (async () => {
        let body = undefined as z.infer<S>;
        if (schema) {
          const parsed = schema.safeParse(req.body);
          if (!parsed.success) {
            sendError(res, 400, 'invalid_body', parsed.error.issues[0]?.message ?? 'the request body does not match');
            return;
          }
          body = parsed.data;
        }
        let handle = '';
        if (req.params.handle !== undefined) {
          const owner = await owned(req, res);
          if (!owner) return;
          handle = owner;
        }
        const result = await run(handle, body);
        if (result.ok) res.status(status).json(result.value);
        else sendActionError(res, result.error);
      })().catch(next);
    };

  router.post('/api/v1/personas/:handle/follow', auth, json, followLimit, action(targetBody, 200, (h, b) => deps.actions.follow(h, b.target)));
  router.post('/api/v1/personas/:handle/unfollow', auth, json, action(targetBody, 200, (h, b) => deps.actions.unfollow(h, b.target)));
  router.post('/api/v1/personas/:handle/block', auth, json, action(targetBody, 200, (h, b) => deps.actions.block(h, b.target)));
  router.get('/api/v1/personas/:handle/follow-requests', auth, action(null, 200, (h) => deps.actions.followRequests(h)));
  for (const [path, approve] of [['approve', true], ['reject', false]] as const) {
    router.post(`/api/v1/personas/:handle/follow-requests/${path}`, auth, json, action(decisionBody, 200, (h, b) => deps.actions.decideFollowRequest(h, b.id, approve)));
  }
  return router;
}
