/**
 * Host-versus-domain matching shared by the store and moderation: a domain
 * covers itself and every subdomain, whatever the port.
 */

/** Whether `host` (a hostname, optionally with `:port`, any case, maybe a trailing dot) is `domain` or under it. */
export function hostOnDomain(host: string, domain: string): boolean {
  let name = host.toLowerCase();
  // host:port, but not a bracketed IPv6 literal's colons.
  if (!name.startsWith('[')) name = name.replace(/:\d+$/, '');
  if (name.endsWith('.')) name = name.slice(0, -1);
  return name === domain || name.endsWith(`.${domain}`);
}

/** Whether the URL's host is `domain` or a subdomain of it; false for what is not a URL. */
export function urlOnDomain(url: string, domain: string): boolean {
  try {
    return hostOnDomain(new URL(url).hostname, domain);
  } catch {
    return false;
  }
}
