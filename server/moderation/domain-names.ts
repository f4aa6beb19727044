/**
 * Domain names as moderators type them, made comparable: one form per
 * domain however it was written (letter case, a trailing dot, Unicode or
 * punycode, full-width characters), via node's `url.domainToASCII` (UTS #46).
 */
import { isIP } from 'node:net';
import { domainToASCII } from 'node:url';
import { err, ok, type Result } from '../core/result.js';

/** Why a domain cannot be blocked. */
export type DomainNameError = 'malformed' | 'ip_literal';

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/**
 * The canonical form of a domain (lowercase ASCII, punycode for Unicode
 * labels, no trailing dot), or why it is not a domain name: an IP literal
 * (blocks are by name; addresses change hands), or anything with a scheme,
 * port, path, wildcard, empty label or fewer than two labels.
 */
export function normalizeDomain(input: string): Result<string, DomainNameError> {
  const trimmed = input.trim();
  if (trimmed.length === 0 || trimmed.length > 255) return err('malformed');
  const bare = trimmed.replace(/^\[(.*)\]$/, '$1');
  if (isIP(bare) !== 0) return err('ip_literal');
  // domainToASCII reads a URL host: it would cut `x.example/path` to `x.example`.
  if (/[/\\:@?#%\s*]/.test(trimmed)) return err('malformed');
  const ascii = domainToASCII(trimmed).toLowerCase().replace(/\.$/, '');
  if (ascii.length === 0 || ascii.length > 253) return err('malformed');
  // After UTS #46 mapping an IPv4 written with full-width digits is still an address.
  if (isIP(ascii) !== 0 || /^[0-9.]+$/.test(ascii)) return err('ip_literal');
  const labels = ascii.split('.');
  if (labels.length < 2 || !labels.every((l) => LABEL.test(l))) return err('malformed');
  // A top-level label is never all digits.
  if (/^\d+$/.test(labels[labels.length - 1] ?? '')) return err('malformed');
  return ok(ascii);
}

/**
 * The hostname of a URL host (`host[:port]`, any case, maybe a trailing dot
 * or Unicode), in the canonical form; undefined for what cannot be one.
 */
export function canonicalHost(host: string): string | undefined {
  let name = host.trim().toLowerCase();
  if (!name.startsWith('[')) name = name.replace(/:\d+$/, '');
  const ascii = domainToASCII(name).replace(/\.$/, '');
  return ascii.length > 0 ? ascii : undefined;
}

/** The domain itself and each parent domain, most specific first: `a.b.c` -> `a.b.c`, `b.c`, `c`. */
export function domainAndParents(domain: string): string[] {
  const labels = domain.split('.');
  return labels.map((_, i) => labels.slice(i).join('.'));
}
