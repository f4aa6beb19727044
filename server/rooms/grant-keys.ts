/**
 * The join-grant signing keys: a current ES256 key and the previous one,
 * persisted in the instance settings and rotated on a schedule. Grants signed
 * with the previous key stay valid until they expire (grants live minutes,
 * keys live a rotation period), and both public keys are published as a JWKS.
 */
import { randomBytes } from 'node:crypto';
import { exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';
import type { InstanceRepository } from '../store/index.js';

/** Where the keys live in `store.instance`. */
export const GRANT_KEYS_SETTING = 'rooms.grant-keys';
export const GRANT_ALG = 'ES256';

interface StoredKey {
  kid: string;
  createdAt: string;
  privateJwk: JWK;
  publicJwk: JWK;
}

interface StoredKeys {
  current: StoredKey;
  previous: StoredKey | null;
}

/** The key to sign with now. */
export interface SigningKey {
  kid: string;
  key: CryptoKey;
}

async function newKey(now: number): Promise<StoredKey> {
  const { privateKey, publicKey } = await generateKeyPair(GRANT_ALG, { extractable: true });
  const kid = randomBytes(12).toString('base64url');
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: GRANT_ALG, use: 'sig' };
  return { kid, createdAt: new Date(now).toISOString(), privateJwk: await exportJWK(privateKey), publicJwk };
}

/** Keeps, rotates and publishes the grant signing keys. */
export class GrantKeys {
  #keys: StoredKeys | undefined;
  #signing: SigningKey | undefined;
  #loading: Promise<void> | undefined;

  constructor(
    private readonly settings: InstanceRepository,
    private readonly rotateEveryMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Loads (or creates) the keys and rotates them when the current one is due. */
  async ready(): Promise<void> {
    this.#loading ??= this.#load().finally(() => {
      this.#loading = undefined;
    });
    await this.#loading;
  }

  async #load(): Promise<void> {
    let keys = this.#keys ?? (await this.settings.get<StoredKeys>(GRANT_KEYS_SETTING));
    const now = this.now();
    if (!keys) {
      keys = { current: await newKey(now), previous: null };
      await this.settings.put(GRANT_KEYS_SETTING, keys);
    } else if (Date.parse(keys.current.createdAt) + this.rotateEveryMs <= now) {
      keys = { current: await newKey(now), previous: keys.current };
      await this.settings.put(GRANT_KEYS_SETTING, keys);
    }
    if (this.#keys?.current.kid !== keys.current.kid || !this.#signing) {
      this.#signing = { kid: keys.current.kid, key: (await importJWK(keys.current.privateJwk, GRANT_ALG)) as CryptoKey };
    }
    this.#keys = keys;
  }

  /** Rotates now, whatever the schedule says (operators, tests). */
  async rotate(): Promise<void> {
    await this.ready();
    const keys = this.#keys;
    if (!keys) throw new Error('grant keys not loaded');
    this.#keys = { current: await newKey(this.now()), previous: keys.current };
    await this.settings.put(GRANT_KEYS_SETTING, this.#keys);
    this.#signing = undefined;
    await this.ready();
  }

  /** The key to sign with; call {@link ready} first. */
  signing(): SigningKey {
    if (!this.#signing) throw new Error('grant keys not loaded: await ready() first');
    return this.#signing;
  }

  /** The published key set: current and previous public keys. */
  jwks(): { keys: JWK[] } {
    const keys = this.#keys;
    if (!keys) return { keys: [] };
    return { keys: [keys.current.publicJwk, ...(keys.previous ? [keys.previous.publicJwk] : [])] };
  }
}
