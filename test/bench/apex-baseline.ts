/**
 * The baseline: stock activitypub-express 4.4.2 as its README sets it up
 * (its own inbox middleware chain: JSON-LD, signature verification with
 * http-signature, actor fetch, save, side effects; its own serial delivery
 * loop), on this project's SQLite store adapter so both run on the same
 * store. Follows are accepted the way apex's examples do (Guppe). Run as a
 * child process: prints one JSON line `{ inbox, actorId }` when listening.
 *
 *   node apex-baseline.js <dataDir>
 */
import express from 'express';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger } from '../../server/core/logging/logger.js';
import { openStore } from '../../server/store/index.js';
import { APEX_ROUTES as ROUTES, stockApex, type ApexDoc } from './stock-apex.js';

async function main(): Promise<void> {
  const dataDir = process.argv[2];
  if (!dataDir) throw new Error('usage: apex-baseline <dataDir>');
  const log = createLogger({ level: 'silent', logIpAddresses: false });
  const store = await openStore({ dataDir, log });
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const apex = stockApex(baseUrl, store.apex);
  const app = express();
  app.use(express.json({ type: apex.consts.jsonldTypes }), express.urlencoded({ extended: true }), apex);
  app.route(ROUTES.inbox).post(apex.net.inbox.post);
  app.get(ROUTES.actor, apex.net.actor.get);
  (app as unknown as NodeJS.EventEmitter).on('apex-inbox', (msg: { activity: ApexDoc; actor: ApexDoc; recipient: ApexDoc }) => {
    if (msg.activity.type !== 'Follow') return;
    void (async () => {
      const accept = await apex.buildActivity('Accept', msg.recipient.id, msg.actor.id, { object: msg.activity.id });
      const { postTask } = await apex.acceptFollow(msg.recipient, msg.activity);
      await apex.addToOutbox(msg.recipient, accept);
      await postTask();
    })().catch(() => undefined);
  });
  await apex.store.setup();
  const actor = await apex.createActor('owl', 'Owl', 'the baseline actor', null, 'Person');
  await apex.store.saveObject(actor);
  server.on('request', app);
  process.stdout.write(`${JSON.stringify({ inbox: `${baseUrl}/u/owl/inbox`, actorId: actor.id })}\n`);
  process.on('SIGTERM', () => {
    server.closeAllConnections();
    server.close(() => void store.close().then(() => process.exit(0)));
  });
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
