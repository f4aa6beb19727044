import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ApexObject } from '../apex/apex-api.js';
import type { RemoteActors } from '../actors/remote-actors.js';
import { DEFAULT_INBOX_KEY_LIMITS, InboxKeys } from './inbox-keys.js';

/** Remote actors that every host serves at once (the fake: no network), and a record of what was fetched. */
function fakeRemote(): { remote: RemoteActors; fetched: string[] } {
  const fetched: string[] = [];
  const saved = new Map<string, ApexObject>();
  const remote = {
    fetch: (url: string) => {
      fetched.push(url);
      return Promise.resolve({ id: url, type: 'Person', publicKey: [{ id: `${url}#main-key`, owner: url, publicKeyPem: 'PEM' }] } as unknown as ApexObject);
    },
    stored: (url: string) => Promise.resolve(saved.get(url) ?? null),
    save: (actor: ApexObject) => {
      saved.set(String(actor.id), actor);
      return Promise.resolve();
    },
  };
  return { remote: remote as unknown as RemoteActors, fetched };
}

describe('InboxKeys budgets', () => {
  it('a host whose signature verified keeps fetching keys when unknown hosts have used up the global budget', async () => {
    const { remote, fetched } = fakeRemote();
    const keys = new InboxKeys(remote, { ...DEFAULT_INBOX_KEY_LIMITS, globalPerMinute: 3, perHostPerMinute: 10 });
    // good.test proves itself once (its key verified).
    const first = keys.lookup();
    assert.ok(await first.resolveKey('https://good.test/users/a#main-key', { refresh: false }));
    await first.verified();
    // With good.test's first fetch, two unknown hosts use up the global budget; a third is refused.
    for (const host of ['bad1.test', 'bad2.test']) assert.ok(await keys.lookup().resolveKey(`https://${host}/users/x#main-key`, { refresh: false }));
    const third = keys.lookup();
    assert.equal(await third.resolveKey('https://bad3.test/users/x#main-key', { refresh: false }), null);
    assert.ok((third.throttledForSeconds() ?? 0) > 0, 'the third unknown host is throttled');
    // good.test's new actor is still fetched (its own per-host budget applies).
    const next = keys.lookup();
    assert.ok(await next.resolveKey('https://good.test/users/b#main-key', { refresh: false }), 'a known-good host was locked out');
    assert.equal(next.throttledForSeconds(), undefined);
    assert.deepEqual(fetched, ['https://good.test/users/a', 'https://bad1.test/users/x', 'https://bad2.test/users/x', 'https://good.test/users/b']);
  });
});
