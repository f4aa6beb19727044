/** Join grants and their signing keys on a real SQLite store, with a movable clock. */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '../core/logging/logger.js';
import { openStore, type Store } from '../store/index.js';
import { GRANT_KEYS_SETTING, GrantKeys } from './grant-keys.js';
import { GrantIssuer } from './grants.js';

const DAY = 24 * 60 * 60_000;

describe('join grants and key rotation', () => {
  let store: Store;
  let dataDir: string;
  const clock = { now: Date.parse('2026-01-01T00:00:00Z') };
  const now = (): number => clock.now;
  before(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-grants-'));
    store = await openStore({ dataDir, log: createLogger({ level: 'silent', logIpAddresses: false }) });
  });
  after(async () => {
    await store.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('signs grants that verify only for their room, participant, audience and lifetime', async () => {
    const keys = new GrantKeys(store.instance, DAY, now);
    const issuer = new GrantIssuer(keys, 'https://rooms.example', 60, now);
    const { token, grant } = await issuer.issue({ roomId: 'r1', participantId: 'p1', role: 'listener', canPublish: false, canSubscribe: true });
    assert.equal(grant.exp, Math.floor(clock.now / 1000) + 60);
    const good = await issuer.verify(token, { roomId: 'r1', participantId: 'p1' });
    assert.deepEqual(good, { ok: true, value: grant });
    assert.deepEqual(await issuer.verify(token, { roomId: 'r2', participantId: 'p1' }), { ok: false, error: 'grant_wrong_room' });
    assert.deepEqual(await issuer.verify(token, { roomId: 'r1', participantId: 'p2' }), { ok: false, error: 'grant_wrong_participant' });
    const elsewhere = new GrantIssuer(keys, 'https://other.example', 60, now);
    assert.deepEqual(await elsewhere.verify(token, { roomId: 'r1', participantId: 'p1' }), { ok: false, error: 'grant_invalid' }, 'audience');
    assert.deepEqual(await issuer.verify('not.a.jwt', { roomId: 'r1', participantId: 'p1' }), { ok: false, error: 'grant_invalid' });
    clock.now += 61_000;
    assert.deepEqual(await issuer.verify(token, { roomId: 'r1', participantId: 'p1' }), { ok: false, error: 'grant_expired' });
  });

  it('persists the keys, rotates them on schedule and keeps the previous one', async () => {
    const first = new GrantKeys(store.instance, DAY, now);
    await first.ready();
    const kid = first.signing().kid;
    const issuer = new GrantIssuer(first, 'https://rooms.example', 600, now);

    const reloaded = new GrantKeys(store.instance, DAY, now);
    await reloaded.ready();
    assert.equal(reloaded.signing().kid, kid, 'the same key after a restart');

    clock.now += DAY - 60_000;
    const { token } = await issuer.issue({ roomId: 'r', participantId: 'p', role: 'speaker', canPublish: true, canSubscribe: true });
    clock.now += 60_000;
    await first.ready();
    assert.notEqual(first.signing().kid, kid, 'rotated after a day');
    assert.deepEqual(first.jwks().keys.map((k) => k.kid), [first.signing().kid, kid]);
    assert.ok((await issuer.verify(token, { roomId: 'r', participantId: 'p' })).ok, 'a grant of the previous key still verifies');
    for (const k of first.jwks().keys) assert.equal(k.d, undefined, 'no private parts published');
    const stored = await store.instance.get<{ current: { kid: string } }>(GRANT_KEYS_SETTING);
    assert.equal(stored?.current.kid, first.signing().kid);
  });
});
