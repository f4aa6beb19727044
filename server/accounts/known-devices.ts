/**
 * "Known device" cookies: proof that this browser logged in to an account
 * before, which exempts it from the per-account lock (see login-throttle.ts).
 *
 * The cookie holds up to five entries `<issued>.<nonce>.<mac>`, one per
 * account logged in from the browser; the MAC (HMAC-SHA-256 under an
 * instance key) covers the account id, so the cookie itself names no
 * account: a stolen cookie does not say whose it is.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { InstanceRepository } from '../store/index.js';

export const DEVICE_COOKIE = 'hearth_device';
/** A device stays known this long after its last successful login. */
export const DEVICE_TTL_MS = 180 * 24 * 60 * 60_000;
const MAX_ENTRIES = 5;
const KEY_SETTING = 'accounts.known-device-key';
const ENTRY = /^(\d{1,12})\.([A-Za-z0-9_-]{16})\.([A-Za-z0-9_-]{43})$/;

export class KnownDevices {
  private key: Promise<Buffer> | undefined;

  constructor(
    private readonly settings: InstanceRepository,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * The device's key for the throttle when the cookie holds a valid, fresh
   * entry for `accountId`; `undefined` otherwise.
   */
  async recognize(cookie: string | undefined, accountId: string): Promise<string | undefined> {
    if (!cookie) return undefined;
    const key = await this.instanceKey();
    for (const entry of cookie.split('~')) {
      const m = ENTRY.exec(entry);
      if (!m) continue;
      const [, issued = '', nonce = '', mac = ''] = m;
      if (Number(issued) * 1000 + DEVICE_TTL_MS < this.now()) continue;
      const expected = Buffer.from(this.mac(key, accountId, issued, nonce));
      if (timingSafeEqual(expected, Buffer.from(mac))) return nonce;
    }
    return undefined;
  }

  /** The cookie value after a successful login to `accountId`: a fresh entry first, stale and extra ones dropped. */
  async remember(cookie: string | undefined, accountId: string): Promise<string> {
    const key = await this.instanceKey();
    const issued = String(Math.floor(this.now() / 1000));
    const nonce = randomBytes(12).toString('base64url');
    const fresh = `${issued}.${nonce}.${this.mac(key, accountId, issued, nonce)}`;
    const others: string[] = [];
    for (const entry of (cookie ?? '').split('~')) {
      const m = ENTRY.exec(entry);
      if (!m || Number(m[1]) * 1000 + DEVICE_TTL_MS < this.now()) continue;
      // This account's older entries are replaced by the fresh one.
      const valid = this.mac(key, accountId, m[1] ?? '', m[2] ?? '') === m[3];
      if (!valid) others.push(entry);
    }
    return [fresh, ...others].slice(0, MAX_ENTRIES).join('~');
  }

  private mac(key: Buffer, accountId: string, issued: string, nonce: string): string {
    return createHmac('sha256', key).update(`${accountId}\n${issued}\n${nonce}`).digest('base64url');
  }

  /** The instance's MAC key, created on first use and kept in instance settings. */
  private instanceKey(): Promise<Buffer> {
    this.key ??= (async () => {
      const stored = await this.settings.get<string>(KEY_SETTING);
      if (typeof stored === 'string' && /^[0-9a-f]{64}$/.test(stored)) return Buffer.from(stored, 'hex');
      const fresh = randomBytes(32).toString('hex');
      await this.settings.put(KEY_SETTING, fresh);
      return Buffer.from(fresh, 'hex');
    })();
    // A failed load is retried next time rather than cached.
    this.key.catch(() => (this.key = undefined));
    return this.key;
  }
}
