import type { RequestHandler, Response } from 'express';
import { sendError } from '../../server/core/http-errors.js';
import type { ApexStreamItem } from '../../server/store/index.js';
import type { ApexApi, ApexObject } from '../apex/apex-api.js';
import { first } from '../actors/persona-actor.js';
import type { PageCursors } from './page-cursors.js';

/** Items per outbox page (apex's setting). */
const PAGE_SIZE = 20;
/** Rows read from the store at a time while looking for visible items. */
const BATCH = 50;

type ApexLocals = { target?: ApexObject; result?: unknown; status?: number };
const localsOf = (res: Response): ApexLocals => (res.locals as { apex: ApexLocals }).apex;

/**
 * The read side of a persona's collections, replacing apex's handlers
 * (which derive the next-page cursor from the store's id of the last row
 * read, private rows included, before filtering):
 *
 * - outbox: only public activities are counted and paged; the cursor is the
 *   position of the last item shown, sealed per collection (PageCursors), and
 *   `next` appears only when another visible item follows;
 * - followers, following and liked: the count only, no `first` page, and a
 *   page request is 404 (the social graph is not published, ADR 0005).
 *
 * apex's own content negotiation, actor lookup and responder stay around
 * these handlers: `apex.net.<collection>.get` is [jsonld, targetActor, ...,
 * result], see activitypub-routes.ts.
 */
export class CollectionRoutes {
  constructor(private readonly apex: ApexApi, private readonly cursors: PageCursors) {}

  /** GET outbox: count and pages of public activities only. */
  readonly outbox: RequestHandler = (req, res, next) => {
    const locals = localsOf(res);
    const collectionId = first(locals.target?.outbox);
    if (!collectionId) {
      next();
      return;
    }
    (async () => {
      const page = req.query.page;
      if (page === undefined) {
        locals.result = await this.apex.fromJSONLD({
          id: collectionId,
          type: 'OrderedCollection',
          totalItems: await this.countVisible(collectionId),
          first: `${collectionId}?page=true`,
        });
        next();
        return;
      }
      const after = typeof page !== 'string' ? undefined : page === 'true' ? null : this.cursors.open(collectionId, page);
      if (typeof page !== 'string' || after === undefined) {
        sendError(res, 400, 'invalid_page', 'this page cursor is not one this collection gave out; start again from its first page');
        return;
      }
      const { items, more } = await this.visiblePage(collectionId, after);
      const last = items[items.length - 1];
      const pageObject = await this.apex.fromJSONLD({
        id: `${collectionId}?page=${encodeURIComponent(page)}`,
        partOf: collectionId,
        type: 'OrderedCollectionPage',
        ...(more && last ? { next: `${collectionId}?page=${this.cursors.seal(collectionId, last._id.toString())}` } : {}),
      });
      (pageObject as Record<string, unknown>).orderedItems = items;
      locals.result = pageObject;
      next();
    })().catch(next);
  };

  /** GET followers / following / liked: the number of members, never the members. */
  countOnly(collection: 'followers' | 'following' | 'liked'): RequestHandler {
    return (req, res, next) => {
      const locals = localsOf(res);
      const collectionId = first(locals.target?.[collection]);
      if (!collectionId) {
        next();
        return;
      }
      if (req.query.page !== undefined) {
        sendError(res, 404, 'not_published', `the members of this ${collection} collection are not published; it shows its count only`);
        return;
      }
      (async () => {
        locals.result = await this.apex.fromJSONLD({
          id: collectionId,
          type: 'OrderedCollection',
          totalItems: await this.apex.store.getStreamCount(collectionId),
        });
        next();
      })().catch(next);
    };
  }

  /** Up to PAGE_SIZE public items after the store position `after`, and whether a further public one exists. */
  private async visiblePage(collectionId: string, after: string | null): Promise<{ items: ApexStreamItem[]; more: boolean }> {
    const visible: ApexStreamItem[] = [];
    let position = after;
    for (;;) {
      const batch = await this.apex.store.getStream(collectionId, BATCH, position);
      for (const item of batch) {
        if (!this.apex.isPublic(item)) continue;
        if (visible.length === PAGE_SIZE) return { items: visible, more: true };
        visible.push(item);
      }
      const last = batch[batch.length - 1];
      if (!last) return { items: visible, more: false };
      position = last._id.toString();
    }
  }

  private async countVisible(collectionId: string): Promise<number> {
    const all = await this.apex.store.getStream(collectionId, null, null);
    return all.filter((item) => this.apex.isPublic(item)).length;
  }
}
