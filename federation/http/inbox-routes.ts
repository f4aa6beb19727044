import express, { Router, type Request, type RequestHandler } from 'express';
import { sendError } from '../../server/core/http-errors.js';
import type { Logger } from '../../server/core/logging/logger.js';
import { assertNever } from '../../server/core/result.js';
import type { Store } from '../../server/store/index.js';
import { AP_ROUTES, SHARED_INBOX_PATH } from '../apex/create-apex.js';
import type { RemoteActors } from '../actors/remote-actors.js';
import type { InboxProcessor, InboxRefusal } from '../inbox/inbox-processor.js';
import { parseInboundActivity, sameOrigin } from '../inbox/inbound-activity.js';
import { findContextUnavailable } from '../jsonld/index.js';
import { verifyRequest, type VerifyError } from '../signatures/index.js';
import { HostRateLimiter } from './host-rate-limiter.js';
import { DEFAULT_INBOX_KEY_LIMITS, InboxKeys } from './inbox-keys.js';

/** Inbox bodies above this size get 413. */
export const INBOX_BODY_LIMIT = 256 * 1024;

const AP_CONTENT_TYPES = ['application/activity+json', 'application/ld+json', 'application/json'];

export interface InboxRouteDeps {
  store: Pick<Store, 'federation'>;
  log: Logger;
  remote: RemoteActors;
  processor: InboxProcessor;
  /** Whether the public origin is https (for RFC 9421's @scheme). */
  https: boolean;
  /** Inbound activities allowed per remote host per minute. */
  perHostPerMinute?: number;
  /** Signing-key fetches allowed per keyId host per minute (before anything is fetched). */
  keyFetchesPerHostPerMinute?: number;
  /** Instances this server refuses (moderation); checked before anything else. */
  isBlockedHost?: (host: string) => boolean;
  /** Holds inbound work back while outbound deliveries starve (ADR 0049). */
  admission?: { admit(): Promise<void> };
}

type RawRequest = Request & { rawBody?: Buffer };

/** The keyId a request's signature names (draft-cavage `Signature` or RFC 9421 `Signature-Input`), unverified. */
export function claimedKeyId(headers: Request['headers']): string | undefined {
  for (const name of ['signature', 'signature-input']) {
    const value = headers[name];
    const text = Array.isArray(value) ? value.join(',') : value;
    const match = text ? /keyid="([^"]{1,2048})"/i.exec(text) : null;
    if (match?.[1]) return match[1];
  }
  return undefined;
}

/** The host of the claimed keyId, when it parses as a URL. */
export function claimedKeyHost(headers: Request['headers']): string | undefined {
  const keyId = claimedKeyId(headers);
  if (!keyId) return undefined;
  try {
    return new URL(keyId).host;
  } catch {
    return undefined;
  }
}

function describe(error: VerifyError): string {
  switch (error.kind) {
    case 'missing-signature': return 'the request carries no HTTP signature';
    case 'malformed-signature': return `the signature header is malformed: ${error.reason}`;
    case 'unsupported-algorithm': return `signature algorithm ${error.algorithm} is not supported`;
    case 'missing-signed-header': return `the signature does not cover ${error.header}`;
    case 'missing-digest': return 'a request with a body must carry a Digest covered by the signature';
    case 'digest-mismatch': return 'the digest does not match the body';
    case 'invalid-date': return 'the date header is not a valid HTTP date';
    case 'stale-date': return 'the signature date is more than 12 hours old';
    case 'future-date': return 'the signature date is more than 1 hour in the future';
    case 'unknown-key': return 'the signing key could not be found';
    case 'bad-signature': return 'the signature does not verify';
  }
}

/**
 * POST /u/:actor/inbox and the shared inbox. Order matters: size and type,
 * then the HTTP signature over the raw bytes (digest, date, key), then the
 * signer must be the activity's actor, then per-host rate limits, then the
 * duplicate check, and only then side effects. A request failing any check
 * is answered 4xx and nothing of it is stored.
 */
/** The HTTP status of each kind of inbox refusal, in one exhaustive switch. */
function refusalStatus(refusal: InboxRefusal): 400 | 403 | 404 | 422 {
  switch (refusal.kind) {
    case 'malformed':
      return 400;
    case 'not_owner':
      return 403;
    case 'unknown_target':
      return 404;
    case 'unprocessable':
      return 422;
    default:
      return assertNever(refusal.kind);
  }
}

export function inboxRouter(deps: InboxRouteDeps): Router {
  const router = Router();
  const limiter = new HostRateLimiter(deps.perHostPerMinute ?? 600, 60_000);
  const keys = new InboxKeys(deps.remote, {
    ...DEFAULT_INBOX_KEY_LIMITS,
    ...(deps.keyFetchesPerHostPerMinute ? { perHostPerMinute: deps.keyFetchesPerHostPerMinute } : {}),
  }, (host) => deps.isBlockedHost?.(host) ?? false);
  const log = deps.log;

  const parseBody = express.json({
    type: (req) => AP_CONTENT_TYPES.some((t) => (req.headers['content-type'] ?? '').toLowerCase().startsWith(t)),
    limit: INBOX_BODY_LIMIT,
    strict: true,
    verify: (req, _res, buf) => {
      (req as RawRequest).rawBody = Buffer.from(buf);
    },
  });

  const handle: RequestHandler = (req, res, next) => {
    const raw = req as RawRequest;
    if (!raw.rawBody) {
      sendError(res, 415, 'unsupported_media_type', 'inbox accepts application/activity+json or application/ld+json');
      return;
    }
    // A blocked instance is refused before any work: no key fetch, no signature check.
    const keyHost = claimedKeyHost(req.headers);
    if (keyHost !== undefined && deps.isBlockedHost?.(keyHost)) {
      sendError(res, 403, 'instance_blocked', 'this instance does not accept activities from your server');
      return;
    }
    (async () => {
      await deps.admission?.admit();
      const lookup = keys.lookup();
      const verified = await verifyRequest({
        method: req.method,
        path: req.originalUrl,
        headers: req.headers,
        rawBody: raw.rawBody ?? Buffer.alloc(0),
        now: new Date(),
        resolveKey: lookup.resolveKey,
        scheme: deps.https ? 'https' : 'http',
      });
      const throttled = lookup.throttledForSeconds();
      if (!verified.ok && throttled !== undefined) {
        res.set('Retry-After', String(throttled));
        sendError(res, 429, 'key_fetch_rate_limited', 'too many signing keys to fetch from this host; retry later');
        return;
      }
      if (!verified.ok) {
        log.warn({ reason: verified.error.kind }, 'inbox: signature refused');
        sendError(res, 401, `signature_${verified.error.kind.replace(/-/g, '_')}`, describe(verified.error));
        return;
      }
      await lookup.verified();
      const parsed = parseInboundActivity(req.body);
      if (!parsed.ok) {
        sendError(res, 400, 'not_an_activity', parsed.error.message);
        return;
      }
      const activity = parsed.value;
      if (verified.value.owner !== activity.actorId) {
        sendError(res, 401, 'signer_not_actor', 'the signing key does not belong to the activity\'s actor');
        return;
      }
      if (!sameOrigin(activity.id, activity.actorId)) {
        sendError(res, 403, 'foreign_activity', 'the activity id is not on the actor\'s origin');
        return;
      }
      const host = new URL(activity.actorId).host;
      if (deps.isBlockedHost?.(host)) {
        sendError(res, 403, 'instance_blocked', 'this instance does not accept activities from your server');
        return;
      }
      if (!limiter.take(host)) {
        res.set('Retry-After', String(limiter.retryAfterSeconds(host)));
        sendError(res, 429, 'rate_limited', 'too many activities from your server; retry later');
        return;
      }
      // Embedded objects from another origin are not trusted as given: the
      // handlers only act on their id (and fetch from the origin if needed).
      for (const [id] of activity.embedded) if (!sameOrigin(id, activity.actorId)) activity.embedded.delete(id);

      // A Follow accepted at once: claimed, stored and answered in one store transaction.
      const receivedAt = new Date().toISOString();
      const fast = await deps.processor.acceptAtOnce(activity, receivedAt);
      if (fast !== undefined) {
        res.status(202).json({ status: fast });
        return;
      }
      if (!(await deps.store.federation.claimInbound(activity.id, receivedAt))) {
        res.status(202).json({ status: 'duplicate' });
        return;
      }
      try {
        const outcome = await deps.processor.process(activity);
        if (outcome.ok) {
          res.status(202).json({ status: 'accepted' });
        } else {
          await deps.store.federation.releaseInbound(activity.id);
          sendError(res, refusalStatus(outcome.error), outcome.error.code, outcome.error.message);
        }
      } catch (e) {
        await deps.store.federation.releaseInbound(activity.id);
        const context = findContextUnavailable(e);
        if (context) {
          sendError(res, 422, 'context_unavailable', `a JSON-LD context of this activity cannot be loaded: ${context.url}`);
          return;
        }
        throw e;
      }
    })().catch(next);
  };

  router.post(AP_ROUTES.inbox, parseBody, handle);
  router.post(SHARED_INBOX_PATH, parseBody, handle);
  return router;
}
