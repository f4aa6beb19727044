import type { Migration } from '../migrations.js';

/**
 * activitypub-express's collections as tables. Documents are JSON text; the
 * fields apex queries by are columns or rows of `apex_stream_refs`, which is
 * rebuilt from the document on every write of a stream row:
 *  - kind 'collection': each string of `_meta.collection` (collection membership)
 *  - kind 'actor': `actor` or its string elements (blockList, find by actor)
 *  - kind 'object': `object` or its string elements (find by object IRI)
 *  - kind 'object.id': ids of objects embedded in `object` (copies to update)
 * AUTOINCREMENT keeps `_id` growing even after deletes: it is the stream order
 * and the page cursor, as the ObjectId is on MongoDB.
 */
export const apexTables: Migration = {
  version: 1,
  name: 'apex-tables',
  up(db) {
    db.exec(`
      CREATE TABLE apex_objects (
        _id INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        is_local_user INTEGER NOT NULL DEFAULT 0,
        doc TEXT NOT NULL
      ) STRICT;
      CREATE INDEX apex_objects_local_user ON apex_objects (is_local_user) WHERE is_local_user = 1;

      CREATE TABLE apex_streams (
        _id INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        doc TEXT NOT NULL
      ) STRICT;

      CREATE TABLE apex_stream_refs (
        kind TEXT NOT NULL CHECK (kind IN ('collection', 'actor', 'object', 'object.id')),
        value TEXT NOT NULL,
        stream_id INTEGER NOT NULL REFERENCES apex_streams (_id) ON DELETE CASCADE,
        PRIMARY KEY (kind, value, stream_id)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX apex_stream_refs_stream ON apex_stream_refs (stream_id);

      CREATE TABLE apex_contexts (
        document_url TEXT PRIMARY KEY,
        doc TEXT NOT NULL
      ) STRICT;

      CREATE TABLE apex_delivery_queue (
        _id INTEGER PRIMARY KEY AUTOINCREMENT,
        after_ms INTEGER NOT NULL,
        actor_id TEXT,
        doc TEXT NOT NULL
      ) STRICT;
      CREATE INDEX apex_delivery_queue_due ON apex_delivery_queue (after_ms, _id);
      CREATE INDEX apex_delivery_queue_actor ON apex_delivery_queue (actor_id);
    `);
  },
};
