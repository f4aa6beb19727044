import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startServer, type TestServer } from './test-fixtures/servers.js';
import { TEST_CA_CERT } from './test-fixtures/tls-certs.js';

const PROBE = fileURLToPath(new URL('./test-fixtures/tls-probe.js', import.meta.url));

interface ProbeOutput {
  ok: boolean;
  status?: number;
  body?: string;
  error?: { kind: string; code?: string; message?: string };
  caInRootCertificates?: boolean;
}

/** Runs the probe in a fresh Node process with exactly the given extra environment. */
function probe(args: string[], env: Record<string, string>): Promise<ProbeOutput> {
  const base = { ...process.env };
  delete base['NODE_EXTRA_CA_CERTS'];
  delete base['NODE_TLS_REJECT_UNAUTHORIZED'];
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [PROBE, ...args], { env: { ...base, ...env }, timeout: 20_000 }, (error, stdout, stderr) => {
      if (error !== null) {
        reject(new Error(`probe failed: ${error.message}\n${stderr}`));
        return;
      }
      resolve(JSON.parse(stdout) as ProbeOutput);
    });
  });
}

void describe('TLS trust of the safe client (child processes)', () => {
  let server: TestServer;
  let server6: TestServer;
  let dir: string;
  let caFile: string;

  before(async () => {
    const handler = (_req: unknown, res: { end(body: string): void }): void => res.end('secure hello');
    server = await startServer({ host: '127.0.0.1', tls: true, handler });
    server6 = await startServer({ host: '::1', tls: true, handler });
    dir = mkdtempSync(join(tmpdir(), 'hearth-tls-'));
    caFile = join(dir, 'test-ca.pem');
    writeFileSync(caFile, TEST_CA_CERT);
  });

  after(async () => {
    await server.close();
    await server6.close();
    rmSync(dir, { recursive: true, force: true });
  });

  void it('trusts a CA given through NODE_EXTRA_CA_CERTS (Node default store, no `ca` option)', async () => {
    const out = await probe([`${server.origin}/`, caFile], { NODE_EXTRA_CA_CERTS: caFile });
    assert.equal(out.ok, true, JSON.stringify(out.error));
    assert.equal(out.status, 200);
    assert.equal(out.body, 'secure hello');
    // Why the connector must not build `ca` from tls.rootCertificates: that
    // list is the bundled Mozilla store only, without NODE_EXTRA_CA_CERTS.
    assert.equal(out.caInRootCertificates, false);
  });

  void it('verifies the certificate name for ::1 and localhost too', async () => {
    const v6 = await probe([`${server6.origin}/`], { NODE_EXTRA_CA_CERTS: caFile });
    assert.equal(v6.ok, true, JSON.stringify(v6.error));
    const named = await probe([`https://localhost:${server.port}/`], { NODE_EXTRA_CA_CERTS: caFile });
    assert.equal(named.ok, true, JSON.stringify(named.error));
  });

  void it('refuses the same server when the CA is not trusted', async () => {
    const out = await probe([`${server.origin}/`], {});
    assert.equal(out.ok, false);
    assert.equal(out.error?.kind, 'network');
    assert.match(out.error?.code ?? '', /CERT|VERIFY|SIGNATURE/);
  });

  void it('keeps verifying even when NODE_TLS_REJECT_UNAUTHORIZED=0 is set', async () => {
    const out = await probe([`${server.origin}/`], { NODE_TLS_REJECT_UNAUTHORIZED: '0' });
    assert.equal(out.ok, false);
    assert.equal(out.error?.kind, 'network');
  });
});
