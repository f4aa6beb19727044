/**
 * Checks applied to a fetched ActivityPub document before anything trusts it.
 * Pure functions, so the rules are testable without a server.
 */

/** The Accept header for ActivityPub GETs (ActivityPub §3.2). */
export const ACTIVITYPUB_ACCEPT =
  'application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams"';

const ACTIVITYPUB_MEDIA_TYPES = new Set(['application/activity+json', 'application/ld+json']);

/**
 * True for `application/activity+json` and `application/ld+json`, with any
 * parameters (profile, charset). Anything else (text/html, application/json)
 * is refused: serving a user-uploaded file as JSON must not make it an actor.
 */
export function isActivityPubContentType(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const mediaType = contentType.split(';', 1)[0]?.trim().toLowerCase() ?? '';
  return ACTIVITYPUB_MEDIA_TYPES.has(mediaType);
}

/** Parses a body that must be one JSON object (not an array, string or null). */
export function parseJsonObject(body: Buffer): Record<string, unknown> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  return value as Record<string, unknown>;
}

/**
 * The id rule. A document fetched from `requestedUrl` and finally served at
 * `finalUrl` (after redirects) is accepted only when its `id`:
 * - is an absolute http(s) URL on the same origin as `finalUrl` (the server
 *   that actually answered can only speak for its own origin, whatever
 *   redirected us there), and
 * - equals `requestedUrl` or `finalUrl` after WHATWG URL normalisation
 *   (case of scheme and host, default port, percent-encoding). The fragment
 *   of the requested URL is ignored because it is never sent to the server,
 *   so `…/actor#main-key` may answer with id `…/actor`.
 *
 * Anything else is an id mismatch; a caller that wants the canonical object
 * can fetch the returned id explicitly (and that fetch is checked again).
 * This is the guarantee Mastodon's `fetch_resource` gets by re-fetching the
 * id and requiring the same id back: a document is only believed where it
 * is actually served.
 */
export function documentIdMatches(id: unknown, requestedUrl: string, finalUrl: string): boolean {
  if (typeof id !== 'string') return false;
  const parsedId = parseHttpUrl(id);
  const final = parseHttpUrl(finalUrl);
  const requested = parseHttpUrl(requestedUrl);
  if (parsedId === undefined || final === undefined || requested === undefined) return false;
  if (parsedId.origin !== final.origin) return false;
  const accepted = new Set([requested.href, withoutFragment(requested), final.href, withoutFragment(final)]);
  return accepted.has(parsedId.href);
}

function parseHttpUrl(text: string): URL | undefined {
  try {
    const url = new URL(text);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url : undefined;
  } catch {
    return undefined;
  }
}

function withoutFragment(url: URL): string {
  const copy = new URL(url.href);
  copy.hash = '';
  return copy.href;
}
