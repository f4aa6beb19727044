// The two commands behind `npm start` and `npm test` (and `npm run bench`):
// every set-up step a fresh clone needs, each skipped quickly when already done,
// then the server, the test suite or the benchmarks.
//
//   node scripts/setup.mjs start [-- server args]   set up, then run the server
//   node scripts/setup.mjs test  [test files]       set up, typecheck, lint, run every test
//   node scripts/setup.mjs unit                     typecheck, run the unit tests (*.unit.test.ts) only
//   node scripts/setup.mjs bench [args]             set up, run the benchmarks (test/bench/run.ts; args: --size tiny|full, --only a,b)
//   node scripts/setup.mjs stress [test files]      set up, run the reliability suites at full size (HEARTH_STRESS=1)
//   node scripts/setup.mjs setup                    set up only
//
// Plain JavaScript with Node's standard library only: it runs before
// `npm install` and before TypeScript is compiled.

import { createHash } from 'node:crypto';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WORKER_BUILD_PACKAGES, cachedWorkerPath, ensureWorker } from '../media/worker-build/build-worker.mjs';
import { buildWeb, typecheckWeb } from './build-web.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const STAMP = path.join(ROOT, 'node_modules', '.hearth-install-stamp');
/** The suites `npm run stress` runs at full size (docs/reliability.md). */
const STRESS_TESTS = ['crash-safety.test.js', 'store-faults.test.js', 'store-readonly.test.js', 'fuzz.test.js', 'load.test.js', 'peer-faults.test.js', 'cascade-faults.test.js'];
/** System packages only the test suite needs. */
const TEST_PACKAGES = ['chromium'];


function say(msg) {
  process.stdout.write(`[setup] ${msg}\n`);
}

function fail(msg, code = 1) {
  process.stderr.write(`[setup] ${msg}\n`);
  process.exit(code);
}

function checkNode() {
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major < 20 || (major === 20 && minor < 11)) {
    fail(`Node.js ${process.versions.node} is too old; Hearth needs Node.js 20.11 or newer`);
  }
}

function missingPackages(names) {
  const out = spawnSync('dpkg-query', ['-W', '-f=${Package} ${Status}\n', ...names], { encoding: 'utf8' });
  if (out.error) return null; // not a Debian system: cannot check
  const installed = new Set(
    out.stdout.split('\n').filter((l) => l.endsWith(' installed')).map((l) => l.split(' ')[0]),
  );
  return names.filter((n) => !installed.has(n));
}

/** Installs missing Debian packages when root; otherwise names the exact command and stops. */
function ensureSystemPackages(names, why) {
  const missing = missingPackages(names);
  if (missing === null) {
    say(`cannot check system packages (no dpkg-query); ${why} needs: ${names.join(' ')}`);
    return;
  }
  if (missing.length === 0) return;
  const cmd = `apt-get install -y --no-install-recommends ${missing.join(' ')}`;
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
    fail(`missing system packages for ${why}: ${missing.join(' ')}\n[setup] run as root: ${cmd}`);
  }
  say(`installing system packages for ${why}: ${missing.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const update = spawnSync('apt-get', ['update', '-q'], { stdio: 'inherit', env });
  if (update.status !== 0) fail('apt-get update failed; see the output above');
  const install = spawnSync('apt-get', cmd.split(' ').slice(1), { stdio: 'inherit', env });
  if (install.status !== 0) fail(`apt-get install failed; run by hand: ${cmd}`);
}

/**
 * What npm installs from: the dependency fields of package.json (not its
 * scripts, so adding a script does not reinstall), the lockfile and Node's version.
 */
function installHash() {
  const h = createHash('sha256');
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  const fields = ['dependencies', 'devDependencies', 'optionalDependencies', 'overrides', 'allowScripts', 'engines'];
  h.update(JSON.stringify(fields.map((k) => pkg[k] ?? null)));
  const lock = path.join(ROOT, 'package-lock.json');
  if (fs.existsSync(lock)) h.update(fs.readFileSync(lock));
  h.update(process.versions.node);
  return h.digest('hex');
}

function run(cmd, args, env = process.env) {
  const res = spawnSync(cmd, args, { cwd: ROOT, stdio: 'inherit', env });
  if (res.error) fail(`${cmd}: ${res.error.message}`);
  return res.status ?? 1;
}

/** npm install, skipped when package.json, the lockfile and Node's version are unchanged. */
function ensureNpmInstall(workerBin) {
  const want = installHash();
  if (fs.existsSync(STAMP) && fs.readFileSync(STAMP, 'utf8') === want) return;
  const fresh = !fs.existsSync(path.join(ROOT, 'node_modules'));
  const hasLock = fs.existsSync(path.join(ROOT, 'package-lock.json'));
  const args = fresh && hasLock ? ['ci', '--no-audit', '--no-fund'] : ['install', '--no-audit', '--no-fund'];
  say(`npm ${args[0]}`);
  // mediasoup's own postinstall would download a prebuilt worker; it skips when this is set.
  const status = run('npm', args, { ...process.env, MEDIASOUP_WORKER_BIN: workerBin });
  if (status !== 0) fail(`npm ${args[0]} failed (exit ${status}); see the output above`);
  fs.writeFileSync(STAMP, want);
}

function buildTypeScript() {
  const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const status = run(process.execPath, [tsc, '-p', 'tsconfig.json']);
  if (status !== 0) fail('TypeScript build failed (type errors above)', status);
}

async function setup() {
  checkNode();
  const workerBin = cachedWorkerPath();
  ensureNpmInstall(workerBin);
  if (!fs.existsSync(workerBin)) {
    ensureSystemPackages(WORKER_BUILD_PACKAGES, 'the mediasoup worker build');
    try {
      await ensureWorker(path.join(ROOT, 'node_modules', 'mediasoup'));
    } catch (e) {
      fail(`mediasoup worker build failed: ${e.message}`);
    }
  }
  buildTypeScript();
  try {
    await buildWeb();
  } catch (e) {
    fail(`browser client bundle failed: ${e.message}`);
  }
  return { MEDIASOUP_WORKER_BIN: workerBin };
}

/**
 * Compiled tests under `dir` (`dist/`) whose TypeScript source still exists:
 * a test renamed or deleted in the sources leaves a stale `.js` behind, which
 * must not run. `suffix` picks `.test.js` (every test) or `.unit.test.js`.
 */
function findTests(dir, suffix = '.test.js', out = []) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules') findTests(p, suffix, out);
    } else if (entry.name.endsWith(suffix)) {
      const source = path.join(ROOT, path.relative(path.join(ROOT, 'dist'), p)).replace(/\.js$/, '.ts');
      if (fs.existsSync(source)) out.push(p);
    }
  }
  return out.sort();
}

/** The folders whose imports the dependency rules check. */
const CRUISED = ['server', 'federation', 'media', 'config', 'test'];

/** dependency-cruiser with the repository's rules; exit status 0 when they hold. */
function checkDependencies() {
  const cli = path.join(ROOT, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');
  return run(process.execPath, [cli, ...CRUISED, '--config', '.dependency-cruiser.cjs', '--output-type', 'err']);
}

function runChild(args, env) {
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: 'inherit', env });
  const forward = (sig) => child.kill(sig);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 : 1)));
}

async function main() {
  const [command = 'setup', ...rest] = process.argv.slice(2);
  const args = rest[0] === '--' ? rest.slice(1) : rest;
  switch (command) {
    case 'setup': {
      await setup();
      say('ready');
      break;
    }
    case 'start': {
      const extra = await setup();
      runChild([path.join(ROOT, 'dist', 'server', 'main.js'), ...args], { ...process.env, ...extra });
      break;
    }
    case 'test': {
      const extra = await setup();
      // The browser tests drive Debian's Chromium (never a downloaded browser).
      ensureSystemPackages(TEST_PACKAGES, 'the browser tests');
      say('typecheck: the browser client (its own tsconfig: DOM, JSX for Preact)');
      const web = typecheckWeb();
      if (web !== 0) fail('the browser client has type errors (see above)', web);
      say('typecheck: ok (the TypeScript build above is strict, and the browser client)');
      say('lint');
      const lint = run(process.execPath, [path.join(ROOT, 'node_modules', 'eslint', 'bin', 'eslint.js'), '.']);
      if (lint !== 0) fail('lint failed (see above)', lint);
      say('dependency rules: layers, no cycles, modules through their index (.dependency-cruiser.cjs)');
      const deps = checkDependencies();
      if (deps !== 0) fail('dependency rules broken (see above; the layers are in docs/adr/0032-layers.md)', deps);
      const files = args.length > 0 ? args : findTests(path.join(ROOT, 'dist'));
      if (files.length === 0) fail('no test files found under dist/');
      say(`running ${files.length} test files`);
      runChild(['--test', '--test-timeout=300000', ...files], { ...process.env, ...extra });
      break;
    }
    case 'stress': {
      // The reliability suites at full size (docs/reliability.md); `npm test` runs them small.
      const extra = await setup();
      const files = args.length > 0 ? args : STRESS_TESTS.map((f) => path.join(ROOT, 'dist', 'test', 'e2e', f));
      say(`running ${files.length} reliability suites at full size`);
      runChild(['--test', '--test-concurrency=1', '--test-timeout=1800000', ...files], { ...process.env, ...extra, HEARTH_STRESS: '1' });
      break;
    }
    case 'unit': {
      // Unit tests only (`*.unit.test.ts`): in-process, no media worker, no child
      // process, no browser, so neither the worker build nor the web bundle is needed.
      checkNode();
      ensureNpmInstall(cachedWorkerPath());
      buildTypeScript();
      const files = findTests(path.join(ROOT, 'dist'), '.unit.test.js');
      if (files.length === 0) fail('no unit test files found under dist/');
      say(`running ${files.length} unit test files`);
      runChild(['--test', '--test-timeout=30000', ...files], process.env);
      break;
    }
    case 'bench': {
      // test/bench/run.ts (issue 14); a checkout without it says so plainly.
      if (!fs.existsSync(path.join(ROOT, 'test', 'bench', 'run.ts'))) {
        say('there are no benchmarks yet: nothing to run (test/bench/run.ts does not exist)');
        break;
      }
      const extra = await setup();
      runChild([path.join(ROOT, 'dist', 'test', 'bench', 'run.js'), ...args], { ...process.env, ...extra });
      break;
    }
    default:
      fail(`unknown command "${command}"; expected start, test, unit, bench, stress or setup`, 2);
  }
}

main().catch((e) => fail(e.stack ?? String(e)));
