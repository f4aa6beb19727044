/**
 * Random identifiers, tokens and one-time codes, and how they are hashed for
 * storage. Only hashes of tokens and codes are ever stored.
 */
import { createHash, randomBytes, randomInt } from 'node:crypto';

/** A random 128-bit id (hex): ids of accounts, sessions and personas reveal no order. */
export function randomId(): string {
  return randomBytes(16).toString('hex');
}

/** A 256-bit session token (base64url), given to the browser and never stored. */
export function newSessionToken(): string {
  return randomBytes(32).toString('base64url');
}

/** SHA-256 in hex. A fast hash is enough for high-entropy secrets: guessing is out of reach anyway. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** RFC 4648 base32 in lowercase: no 0, 1, 8 or 9, so no O/0 or l/1 confusion when typed. */
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
const CODE_GROUPS = 4;
const GROUP_LENGTH = 5;

/** Bits of entropy of a one-time code: 20 base32 characters. */
export const ONE_TIME_CODE_BITS = CODE_GROUPS * GROUP_LENGTH * 5;

/** A one-time code such as `k3mzq-7xv2a-pw4nd-hj5te` (100 bits), for recovery and invites. */
export function newOneTimeCode(): string {
  const groups: string[] = [];
  for (let g = 0; g < CODE_GROUPS; g++) {
    let group = '';
    for (let i = 0; i < GROUP_LENGTH; i++) group += ALPHABET[randomInt(ALPHABET.length)];
    groups.push(group);
  }
  return groups.join('-');
}

/** A typed code as stored: lowercase, without spaces and dashes, look-alike digits read as letters. */
export function normalizeCode(input: string): string {
  return input
    .toLowerCase()
    .replace(/[\s-]+/g, '')
    .replace(/0/g, 'o')
    .replace(/1/g, 'l')
    .replace(/8/g, 'b');
}

/** What is stored for a code; the kind keeps a recovery code from ever matching an invite. */
export function hashCode(kind: 'recovery' | 'invite', code: string): string {
  return sha256Hex(`hearth:${kind}:${normalizeCode(code)}`);
}
