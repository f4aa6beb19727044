/**
 * The storage contract: one suite body that every adapter must pass. The
 * adapter-specific wiring is in `server/store/store.contract.test.ts`.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { ContractContext } from './store-contract-context.js';
import { ApexDeliveryQueueUnusedError, type Store } from '../../server/store/index.js';
import { defineAccountsContract } from './store-contract-accounts.js';
import { defineApexActivityContract, defineApexObjectContract } from './store-contract-apex.js';
import { defineDeliveryQueueContract } from './store-contract-delivery-queue.js';
import { defineApexStreamContract } from './store-contract-streams.js';
import { defineFederationContract } from './store-contract-federation.js';
import { defineModerationContract } from './store-contract-moderation.js';
import { defineRoomsContract } from './store-contract-rooms.js';
import { defineRemoteRoomsContract } from './store-contract-remote-rooms.js';

/** A store under test, plus what the contract needs to manage it. */
export interface OpenedStore {
  store: Store;
  /** Closes the store (if still open) and opens the same database again. */
  reopen(): Promise<Store>;
  /** Closes and deletes everything this store wrote. */
  dispose(): Promise<void>;
}

/** How a test suite gets a fresh, empty store of one adapter. */
export interface StoreHarness {
  kind: Store['kind'];
  open(): Promise<OpenedStore>;
}

// In its own file so the contract sections do not import this file back (no cycle).
export type { ContractContext };

/** Declares the whole contract inside the caller's `describe`. */
export function defineStoreContract(harness: StoreHarness): void {
  let opened: OpenedStore | undefined;
  let current: Store | undefined;
  beforeEach(async () => {
    opened = await harness.open();
    current = opened.store;
  });
  afterEach(async () => {
    await opened?.dispose();
    opened = undefined;
    current = undefined;
  });
  const ctx: ContractContext = {
    store: () => {
      assert.ok(current, 'store not open');
      return current;
    },
    reopen: async () => {
      assert.ok(opened, 'store not open');
      current = await opened.reopen();
      return current;
    },
  };

  describe('apex objects', () => defineApexObjectContract(ctx));
  describe('apex activities', () => defineApexActivityContract(ctx));
  describe('apex streams', () => defineApexStreamContract(ctx));
  describe('apex delivery queue (unused)', () => defineUnusedApexQueueContract(ctx));
  describe('instance settings', () => defineInstanceContract(ctx));
  describe('accounts and personas', () => defineAccountsContract(ctx));
  describe('federation state', () => defineFederationContract(ctx));
  describe('delivery queue', () => defineDeliveryQueueContract(ctx));
  describe('rooms', () => defineRoomsContract(ctx));
  describe('moderation', () => defineModerationContract(ctx));
  describe('remote rooms', () => defineRemoteRoomsContract(ctx));
  describe('lifecycle', () => defineLifecycleContract(ctx, harness.kind));
}

/** apex's own delivery queue is replaced by Hearth's: its three methods refuse, saying why. */
function defineUnusedApexQueueContract(ctx: ContractContext): void {
  it('rejects every call to apex\'s delivery queue with a clear error', async () => {
    const { apex } = ctx.store();
    const calls = [
      ['deliveryDequeue', () => apex.deliveryDequeue()],
      ['deliveryEnqueue', () => apex.deliveryEnqueue('https://hearth.test/u/alice', '{}', ['https://a.test/inbox'], 'key')],
      ['deliveryRequeue', () => apex.deliveryRequeue({})],
    ] as const;
    for (const [method, call] of calls) {
      await assert.rejects(call(), (e: unknown) => e instanceof ApexDeliveryQueueUnusedError && e.method === method && /own durable delivery queue/.test(e.message));
    }
  });
}

function defineInstanceContract(ctx: ContractContext): void {
  it('answers undefined for a key never stored', async () => {
    assert.equal(await ctx.store().instance.get('missing'), undefined);
  });

  it('stores JSON values and replaces them', async () => {
    const { instance } = ctx.store();
    const jwks = { keys: [{ kty: 'OKP', crv: 'Ed25519', x: 'abc', use: 'sig' }], note: 'ünïcödé ✓', n: 1.5, ok: true, none: null };
    await instance.put('jwks', jwks);
    assert.deepEqual(await instance.get('jwks'), jwks);
    await instance.put('jwks', ['replaced']);
    assert.deepEqual(await instance.get('jwks'), ['replaced']);
    await instance.put('count', 0);
    assert.equal(await instance.get('count'), 0);
  });

  it('keeps values as JSON (a Date comes back as its ISO string)', async () => {
    const { instance } = ctx.store();
    const when = new Date('2024-05-06T07:08:09.000Z');
    await instance.put('when', { when });
    assert.deepEqual(await instance.get('when'), { when: '2024-05-06T07:08:09.000Z' });
  });

  it('deletes keys and says whether they existed', async () => {
    const { instance } = ctx.store();
    await instance.put('k', 'v');
    assert.equal(await instance.delete('k'), true);
    assert.equal(await instance.get('k'), undefined);
    assert.equal(await instance.delete('k'), false);
  });

  it('refuses undefined values and empty keys', async () => {
    const { instance } = ctx.store();
    await assert.rejects(instance.put('k', undefined), TypeError);
    await assert.rejects(instance.put('', 1), TypeError);
    assert.equal(await instance.get('k'), undefined);
  });

  it('keeps settings across close and reopen', async () => {
    await ctx.store().instance.put('actor-key', { privateKeyPem: 'PEM' });
    const reopened = await ctx.reopen();
    assert.deepEqual(await reopened.instance.get('actor-key'), { privateKeyPem: 'PEM' });
  });
}

function defineLifecycleContract(ctx: ContractContext, kind: Store['kind']): void {
  it(`is a ${kind} store that answers ping while open`, async () => {
    const store = ctx.store();
    assert.equal(store.kind, kind);
    assert.equal(await store.ping(), true);
  });

  it('answers ping false after close, closes twice, and refuses work when closed', async () => {
    const store = ctx.store();
    await store.close();
    assert.equal(await store.ping(), false);
    await store.close();
    await assert.rejects(store.apex.getObject('https://hearth.test/u/alice'));
    await assert.rejects(store.instance.get('k'));
  });
}
