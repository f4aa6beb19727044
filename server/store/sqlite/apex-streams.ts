import type { Database, Statement } from 'better-sqlite3';
import type { Logger } from '../../core/logging/logger.js';
import type { ApexDocument, ApexStore, ApexStreamItem } from '../port.js';
import { formatCursor, parseCursor, parseDocument, projectStreamItem, streamRefs } from './apex-documents.js';
import { compileStreamQuery } from './stream-query.js';

interface DocRow {
  _id: number;
  doc: string;
}

/**
 * apex's getStream on SQLite. apex's MongoDB pipeline is, in order:
 * `$match` (collection, `_id < after`, actor not in blockList), the caller's
 * `query` stages, `$sort: { _id: -1 }`, `$limit`, `$lookup` of `actor` in
 * objects, `$match: { actor: { $ne: [] } }`, and a projection dropping
 * `_meta` (and `_id`/`_meta` of embedded objects and actors). Same order
 * here: the limit applies before activities without a stored actor drop out.
 */
export class SqliteStreamReader {
  private readonly statements = new Map<string, Statement>();
  private readonly objectsByIds: Statement<[string], DocRow>;

  constructor(private readonly db: Database, private readonly log: Logger) {
    this.objectsByIds = db.prepare('SELECT _id, doc FROM apex_objects WHERE id IN (SELECT value FROM json_each(?)) ORDER BY _id');
  }

  /** See {@link ApexStore.getStream}. */
  read(...[collectionId, limit, after, blockList, query]: Parameters<ApexStore['getStream']>): ApexStreamItem[] {
    const cursor = after ? parseCursor(after) : undefined;
    if (limit && !(Number.isSafeInteger(limit) && limit > 0)) throw new Error('ApexStore: invalid limit');
    const predicate = compileStreamQuery(query);
    const blocked = blockList?.length ? blockList : undefined;
    // Without a query the limit goes into SQL; with one, rows are filtered here until the limit.
    const sqlLimit = limit && !predicate ? limit : undefined;
    const statement = this.statement(cursor !== undefined, blocked !== undefined, sqlLimit !== undefined);
    const params = { collection: collectionId, cursor, blocked: blocked && JSON.stringify(blocked), limit: sqlLimit };
    const page: { rowid: number; doc: ApexDocument }[] = [];
    for (const row of statement.iterate(params) as IterableIterator<DocRow>) {
      const doc = parseDocument(row.doc);
      if (predicate && !predicate(doc)) continue;
      page.push({ rowid: row._id, doc });
      if (limit && page.length >= limit) break;
    }
    return this.lookupActors(page);
  }

  /** The `$lookup` of `actor`, the `$match` on its result and the projection. */
  private lookupActors(page: { rowid: number; doc: ApexDocument }[]): ApexStreamItem[] {
    const actorIds = (doc: ApexDocument): string[] => streamRefs(doc).filter(([k]) => k === 'actor').map(([, v]) => v);
    const wanted = new Set(page.flatMap(({ doc }) => actorIds(doc)));
    // Foreign documents come in stored order, as a $lookup scan gives them.
    const objects = wanted.size ? this.objectsByIds.all(JSON.stringify([...wanted])).map((r) => parseDocument(r.doc)) : [];
    const items: ApexStreamItem[] = [];
    for (const { rowid, doc } of page) {
      const ids = new Set(actorIds(doc));
      const actors = objects.filter((o) => typeof o.id === 'string' && ids.has(o.id));
      if (actors.length > 0) items.push(projectStreamItem(doc, formatCursor(rowid), actors));
    }
    if (items.length < page.length) {
      this.log.debug({ dropped: page.length - items.length }, 'stream items without a stored actor left out');
    }
    return items;
  }

  /** One prepared statement per shape of the collection query. */
  private statement(after: boolean, blocked: boolean, limited: boolean): Statement {
    const key = `${after}:${blocked}:${limited}`;
    let statement = this.statements.get(key);
    if (!statement) {
      statement = this.db.prepare(`
        SELECT s._id, s.doc FROM apex_stream_refs c JOIN apex_streams s ON s._id = c.stream_id
        WHERE c.kind = 'collection' AND c.value = @collection
        ${after ? 'AND c.stream_id < @cursor' : ''}
        ${blocked ? `AND NOT EXISTS (SELECT 1 FROM apex_stream_refs b WHERE b.stream_id = c.stream_id
          AND b.kind = 'actor' AND b.value IN (SELECT value FROM json_each(@blocked)))` : ''}
        ORDER BY c.stream_id DESC ${limited ? 'LIMIT @limit' : ''}`);
      this.statements.set(key, statement);
    }
    return statement;
  }
}
