// Bundles the browser client (server/web/client/main.tsx with Preact, wouter
// and mediasoup-client, and its stylesheet) into dist/web/client.js and
// dist/web/client.css with esbuild. Called by scripts/setup.mjs after tsc.
// The client has its own tsconfig (DOM types, JSX for Preact); `typecheckWeb`
// checks it, as esbuild only strips types.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const WEB_TSCONFIG = path.join(ROOT, 'server', 'web', 'client', 'tsconfig.json');

export async function buildWeb() {
  const { build } = await import('esbuild');
  await build({
    entryPoints: { client: path.join(ROOT, 'server', 'web', 'client', 'main.tsx') },
    outdir: path.join(ROOT, 'dist', 'web'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['chrome110', 'firefox115', 'safari16'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    sourcemap: true,
    minify: true,
    logLevel: 'warning',
  });
}

/** Typechecks the browser client against its own tsconfig; answers tsc's exit status. */
export function typecheckWeb() {
  const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const res = spawnSync(process.execPath, [tsc, '-p', WEB_TSCONFIG], { cwd: ROOT, stdio: 'inherit' });
  return res.status ?? 1;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await buildWeb();
}
