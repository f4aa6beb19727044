/**
 * A certificate authority generated for one test run (with the openssl
 * command), and leaf certificates for test host names. Instances trust it
 * through Node's standard NODE_EXTRA_CA_CERTS, never by turning checks off.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export interface TestCa {
  dir: string;
  caCertFile: string;
  /** Issues a certificate for the host names; returns the PEM file paths. */
  issue(names: readonly string[]): { certFile: string; keyFile: string };
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

export function createTestCa(dir: string): TestCa {
  fs.mkdirSync(dir, { recursive: true });
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
    '-subj', '/CN=Hearth test CA', '-keyout', 'ca.key', '-out', 'ca.pem',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  let serial = 1;
  return {
    dir,
    caCertFile: path.join(dir, 'ca.pem'),
    issue(names) {
      const base = `leaf-${serial++}`;
      const ext = path.join(dir, `${base}.ext`);
      fs.writeFileSync(ext, [
        'basicConstraints=CA:FALSE',
        'keyUsage=digitalSignature,keyEncipherment',
        'extendedKeyUsage=serverAuth',
        `subjectAltName=${names.map((n) => (/^[\d.]+$/.test(n) ? `IP:${n}` : `DNS:${n}`)).join(',')}`,
      ].join('\n'));
      openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
        '-subj', `/CN=${names[0] ?? 'localhost'}`, '-keyout', `${base}.key`, '-out', `${base}.csr`], dir);
      openssl(['x509', '-req', '-in', `${base}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial',
        '-days', '2', '-extfile', ext, '-out', `${base}.pem`], dir);
      return { certFile: path.join(dir, `${base}.pem`), keyFile: path.join(dir, `${base}.key`) };
    },
  };
}
