// Bundles the browser client (server/web/client.ts and mediasoup-client) into
// dist/web/client.js with esbuild. Called by scripts/setup.mjs after tsc.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export async function buildWeb() {
  const { build } = await import('esbuild');
  await build({
    entryPoints: [path.join(ROOT, 'server', 'web', 'client.ts')],
    outfile: path.join(ROOT, 'dist', 'web', 'client.js'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['chrome110', 'firefox115', 'safari16'],
    sourcemap: true,
    logLevel: 'warning',
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await buildWeb();
}
