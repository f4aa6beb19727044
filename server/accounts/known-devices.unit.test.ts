import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { InstanceRepository } from '../store/index.js';
import { DEVICE_TTL_MS, KnownDevices } from './known-devices.js';

/** Instance settings in memory (KnownDevices only needs get/put). */
function memorySettings(): InstanceRepository {
  const map = new Map<string, string>();
  return {
    get: <T>(key: string) => Promise.resolve(map.has(key) ? (JSON.parse(map.get(key) ?? 'null') as T) : undefined),
    put: (key: string, value: unknown) => Promise.resolve(void map.set(key, JSON.stringify(value))),
    delete: (key: string) => Promise.resolve(map.delete(key)),
  };
}

describe('known-device cookies', () => {
  it('recognizes a device for the account it logged in to, and no other', async () => {
    const devices = new KnownDevices(memorySettings());
    const cookie = await devices.remember(undefined, 'account-a');
    assert.ok(await devices.recognize(cookie, 'account-a'));
    assert.equal(await devices.recognize(cookie, 'account-b'), undefined);
    assert.equal(cookie.includes('account-a'), false, 'the cookie does not name the account');
  });

  it('refuses forged, tampered and expired entries', async () => {
    let now = 1_700_000_000_000;
    const settings = memorySettings();
    const devices = new KnownDevices(settings, () => now);
    const cookie = await devices.remember(undefined, 'account-a');
    const tampered = cookie.slice(0, -1) + (cookie.endsWith('A') ? 'B' : 'A');
    assert.equal(await devices.recognize(tampered, 'account-a'), undefined);
    const otherInstance = new KnownDevices(memorySettings(), () => now);
    assert.equal(await otherInstance.recognize(cookie, 'account-a'), undefined, 'another key, no match');
    now += DEVICE_TTL_MS + 1000;
    assert.equal(await devices.recognize(cookie, 'account-a'), undefined, 'expired');
  });

  it('keeps entries for several accounts, replacing an account\'s old entry', async () => {
    const devices = new KnownDevices(memorySettings());
    let cookie = await devices.remember(undefined, 'a');
    cookie = await devices.remember(cookie, 'b');
    cookie = await devices.remember(cookie, 'a');
    assert.equal(cookie.split('~').length, 2);
    assert.ok(await devices.recognize(cookie, 'a'));
    assert.ok(await devices.recognize(cookie, 'b'));
  });
});
