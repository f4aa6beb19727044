/**
 * Test resolver: preloaded into instance processes with
 * `--import <this file>`, it answers DNS look-ups for the test host names in
 * TEST_RESOLVER_HOSTS ("a.hearth.test=127.0.0.2,b.hearth.test=127.0.0.3")
 * with their loopback addresses, and leaves every other name to the system.
 * Test-only: never loaded by the product.
 */
import dns from 'node:dns';
import { syncBuiltinESMExports } from 'node:module';

const table = new Map<string, string>();
for (const pair of (process.env.TEST_RESOLVER_HOSTS ?? '').split(',')) {
  const [name, address] = pair.split('=');
  if (name && address) table.set(name.trim().toLowerCase(), address.trim());
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | dns.LookupAddress[], family?: number) => void;

const systemLookup = dns.lookup.bind(dns) as (...args: unknown[]) => void;

function patchedLookup(hostname: string, options: unknown, callback?: unknown): void {
  const cb = (typeof options === 'function' ? options : callback) as LookupCallback;
  const opts = (typeof options === 'object' && options !== null ? options : {}) as dns.LookupOptions;
  const address = table.get(hostname.toLowerCase());
  if (address === undefined) {
    systemLookup(hostname, options, callback);
    return;
  }
  const family = address.includes(':') ? 6 : 4;
  process.nextTick(() => {
    if (opts.all) cb(null, [{ address, family }]);
    else cb(null, address, family);
  });
}

if (table.size > 0) {
  (dns as { lookup: unknown }).lookup = patchedLookup;
  const promisesLookup = dns.promises.lookup.bind(dns.promises);
  (dns.promises as { lookup: unknown }).lookup = (hostname: string, options?: dns.LookupOptions) => {
    const address = table.get(hostname.toLowerCase());
    if (address === undefined) return promisesLookup(hostname, options ?? {});
    const family = address.includes(':') ? 6 : 4;
    return Promise.resolve(options?.all ? [{ address, family }] : { address, family });
  };
  // ES modules that imported `lookup` by name hold a binding that only this updates.
  syncBuiltinESMExports();
}
