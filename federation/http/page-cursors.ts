import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import type { InstanceRepository } from '../../server/store/index.js';

const SETTINGS_KEY = 'federation.page-cursor-secret';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Opaque, per-collection cursors of collection pages.
 *
 * A cursor is the store's position of the last item on a page (a sequential
 * SQLite row id, or a MongoDB ObjectId carrying a timestamp), which must not
 * be seen: it would order every persona's activities in one global time line.
 * It is sealed with AES-256-GCM under a key derived (HKDF) from an instance
 * secret and the collection's id, with a fresh random IV each time: two
 * cursors never compare, a cursor of one collection does not open in another,
 * and a forged or altered one is refused.
 */
export class PageCursors {
  private readonly keys = new Map<string, Buffer>();

  private constructor(private readonly secret: Buffer) {}

  /** Loads the instance secret, creating it on first boot. */
  static async load(settings: InstanceRepository): Promise<PageCursors> {
    let stored = await settings.get<string>(SETTINGS_KEY);
    if (typeof stored !== 'string') {
      stored = randomBytes(32).toString('base64');
      await settings.put(SETTINGS_KEY, stored);
    }
    return new PageCursors(Buffer.from(stored, 'base64'));
  }

  /** The cursor (base64url) of a store position inside `collectionId`. */
  seal(collectionId: string, position: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key(collectionId), iv);
    const body = Buffer.concat([cipher.update(position, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
  }

  /** The store position a cursor of `collectionId` stands for; undefined for anything else. */
  open(collectionId: string, cursor: string): string | undefined {
    if (!/^[A-Za-z0-9_-]{1,400}$/.test(cursor)) return undefined;
    const raw = Buffer.from(cursor, 'base64url');
    if (raw.length <= IV_BYTES + TAG_BYTES) return undefined;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key(collectionId), raw.subarray(0, IV_BYTES));
      decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      return undefined;
    }
  }

  private key(collectionId: string): Buffer {
    let key = this.keys.get(collectionId);
    if (!key) {
      key = Buffer.from(hkdfSync('sha256', this.secret, Buffer.alloc(0), `hearth page cursor\0${collectionId}`, 32));
      if (this.keys.size > 10_000) this.keys.clear();
      this.keys.set(collectionId, key);
    }
    return key;
  }
}
