/**
 * Child-process probe for the TLS trust tests. NODE_EXTRA_CA_CERTS is read
 * once at process start, so the only honest way to test it is a fresh
 * process: the test spawns this file with the variable set (or not), and it
 * prints one JSON line with the fetch result.
 *
 * argv: <url> [<pem file to look for in tls.rootCertificates>]
 */
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { SafeFetcher } from '../index.js';
import { silentLogger } from './servers.js';

const [url, pemPath] = process.argv.slice(2);
if (url === undefined) throw new Error('usage: tls-probe <url> [pem]');
const fetcher = new SafeFetcher({ allowPrivate: ['127.0.0.0/8', '::1/128'], userAgent: 'hearth-tls-probe', log: silentLogger() });
const result = await fetcher.request(url);
await fetcher.close();
const pem = pemPath === undefined ? undefined : readFileSync(pemPath, 'utf8').trim();
process.stdout.write(
  `${JSON.stringify({
    ok: result.ok,
    status: result.ok ? result.value.status : undefined,
    body: result.ok ? result.value.body.toString('utf8') : undefined,
    error: result.ok ? undefined : result.error,
    caInRootCertificates: pem === undefined ? undefined : rootCertificates.some((c) => c.trim() === pem),
  })}\n`,
);
