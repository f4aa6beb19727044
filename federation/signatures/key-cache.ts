import type { KeyObject } from 'node:crypto';

/**
 * Parsed keys by PEM, least recently used out past `size`. Parsing an RSA
 * key costs more than verifying a signature with it (and about as much as
 * signing), while the same few keys sign most requests, so each PEM is
 * parsed once. A PEM that fails to parse throws and is never kept.
 */
export class KeyCache {
  private readonly keys = new Map<string, KeyObject>();

  constructor(private readonly size: number, private readonly parse: (pem: string) => KeyObject) {}

  get(pem: string): KeyObject {
    const cached = this.keys.get(pem);
    if (cached) {
      this.keys.delete(pem);
      this.keys.set(pem, cached);
      return cached;
    }
    const key = this.parse(pem);
    this.keys.set(pem, key);
    if (this.keys.size > this.size) {
      const oldest = this.keys.keys().next().value;
      if (oldest !== undefined) this.keys.delete(oldest);
    }
    return key;
  }
}
