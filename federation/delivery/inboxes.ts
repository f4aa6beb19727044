/** Which inboxes a delivery goes to. */

/** A recipient actor's inboxes, as its actor document gives them. */
export interface InboxRecipient {
  readonly inbox: string;
  /** `endpoints.sharedInbox`, when the actor's server has one. */
  readonly sharedInbox?: string | undefined;
}

/**
 * The inboxes to deliver one activity to: a recipient's shared inbox when it
 * has one, else its own inbox; recipients on the same shared inbox collapse
 * into one delivery (the receiving server fans out itself). Order is kept,
 * duplicates are dropped (compared as normalized URLs).
 */
export function chooseInboxes(recipients: readonly InboxRecipient[]): string[] {
  const chosen = new Map<string, string>();
  for (const recipient of recipients) {
    const target = recipient.sharedInbox !== undefined && recipient.sharedInbox !== '' ? recipient.sharedInbox : recipient.inbox;
    const key = normalizeInbox(target) ?? target;
    if (!chosen.has(key)) chosen.set(key, target);
  }
  return [...chosen.values()];
}

/**
 * The canonical form of an inbox URL (WHATWG serialization, no fragment), or
 * `undefined` when it is not an absolute http(s) URL without credentials.
 */
export function normalizeInbox(inbox: string): string | undefined {
  let url: URL;
  try {
    url = new URL(inbox);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  if (url.hostname === '' || url.username !== '' || url.password !== '') return undefined;
  url.hash = '';
  return url.href;
}
