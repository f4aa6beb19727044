// Builds the mediasoup worker binary from the C++ sources shipped inside the
// mediasoup npm tarball, against Debian's system libraries, and caches it
// outside the work tree. Plain JavaScript on purpose: it runs before
// `npm install` has finished and before TypeScript is compiled.
//
// Why not mediasoup's own postinstall: it downloads a prebuilt binary or
// pip-installs meson and downloads every C++ dependency; neither is possible
// on a machine that reaches only the npm registry and Debian's archive.
// See docs/adr/0002-mediasoup-worker-build.md.

import { createHash } from 'node:crypto';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const MEDIASOUP_VERSION = '3.12.16';
export const LIBSRTP_VERSION = '2.5.0';

/** Debian packages the worker build needs (headers, pkg-config files and tools). */
export const WORKER_BUILD_PACKAGES = [
  'meson',
  'ninja-build',
  'pkg-config',
  'g++',
  'libssl-dev',
  'libuv1-dev',
  'libusrsctp-dev',
  'libabsl-dev',
  'nlohmann-json3-dev',
  'xz-utils',
];

const SELF = fileURLToPath(import.meta.url);

const LIBSRTP_MESON_ARGS = [
  '--buildtype=release',
  '-Dcrypto-library=openssl', '-Dcrypto-library-kdf=disabled',
  '-Ddefault_library=static', '-Dtests=disabled', '-Ddoc=disabled', '-Dpcap-tests=disabled',
];
const WORKER_MESON_ARGS = ['--buildtype=release', '-Db_ndebug=true', '-Db_pie=true'];

/**
 * The cache key: the mediasoup version plus a hash of the patch and every
 * build option (not of the whole file, so that editing a comment or a log
 * line elsewhere does not force a 10-minute rebuild).
 */
export function workerCacheKey() {
  const recipe = [
    LIBSRTP_VERSION, SYSTEM_DEPS, patchWorkerMeson.toString(),
    JSON.stringify(LIBSRTP_MESON_ARGS), JSON.stringify(WORKER_MESON_ARGS),
  ].join('\n');
  const hash = createHash('sha256').update(recipe).digest('hex').slice(0, 12);
  return `${MEDIASOUP_VERSION}-${hash}`;
}

/** Root of the worker cache: `$XDG_CACHE_HOME/hearth` or `~/.cache/hearth`. */
export function cacheRoot(env = process.env) {
  const base = env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME)
    ? env.XDG_CACHE_HOME
    : path.join(os.homedir(), '.cache');
  return path.join(base, 'hearth', 'mediasoup-worker');
}

/** Where the binary for the current key lives once built. */
export function cachedWorkerPath(env = process.env) {
  return path.join(cacheRoot(env), workerCacheKey(), 'mediasoup-worker');
}

function log(msg) {
  process.stdout.write(`[worker-build] ${msg}\n`);
}

function run(cmd, args, opts = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
    const logStream = opts.logFile ? fs.createWriteStream(opts.logFile, { flags: 'a' }) : null;
    let tail = '';
    const onData = (chunk) => {
      const text = chunk.toString();
      logStream?.write(text);
      tail = (tail + text).slice(-4000);
      if (opts.progress) {
        for (const line of text.split('\n')) {
          // ninja prints "[12/345] Compiling ..."; show it as progress.
          const m = /^\[(\d+)\/(\d+)\]/.exec(line);
          if (m) opts.progress(Number(m[1]), Number(m[2]));
        }
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    child.on('close', (code) => {
      logStream?.end();
      if (code === 0) resolve();
      else reject(new Error(`${cmd} ${args.join(' ')} exited with ${code}\n${tail}`));
    });
  });
}

function progressPrinter(label) {
  let lastPct = -1;
  let lastTime = 0;
  return (done, total) => {
    const pct = Math.floor((done / total) * 100);
    const now = Date.now();
    if (pct !== lastPct && (now - lastTime > 2000 || done === total)) {
      lastPct = pct;
      lastTime = now;
      log(`${label}: ${done}/${total} (${pct}%)`);
    }
  };
}

/**
 * Reads the machine's own apt configuration for the Debian archive's URI and
 * release, so that the source package comes from the same mirror the machine
 * already uses (nothing about the mirror is written into the project).
 */
function debianArchive() {
  const files = [];
  if (fs.existsSync('/etc/apt/sources.list')) files.push('/etc/apt/sources.list');
  if (fs.existsSync('/etc/apt/sources.list.d')) {
    for (const f of fs.readdirSync('/etc/apt/sources.list.d')) {
      if (f.endsWith('.list') || f.endsWith('.sources')) files.push(path.join('/etc/apt/sources.list.d', f));
    }
  }
  for (const file of files) {
    const text = fs.readFileSync(file, 'utf8');
    if (file.endsWith('.sources')) {
      for (const stanza of text.split(/\n\s*\n/)) {
        const field = (name) => new RegExp(`^${name}:\\s*(.+)$`, 'mi').exec(stanza)?.[1]?.trim();
        const uris = field('URIs');
        const suites = field('Suites');
        if (!uris || !suites) continue;
        const suite = suites.split(/\s+/).find((s) => !s.includes('-'));
        if (suite && /\/debian\/?$/.test(uris.split(/\s+/)[0])) {
          return { uri: uris.split(/\s+/)[0], suite, signedBy: field('Signed-By') };
        }
      }
    } else {
      for (const line of text.split('\n')) {
        const m = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+\/debian\/?)\s+([a-z]+)\s/.exec(line.trim() + ' ');
        if (m) return { uri: m[1], suite: m[2], signedBy: undefined };
      }
    }
  }
  throw new Error('could not find a Debian archive in the apt configuration (/etc/apt/sources.list*)');
}

/** Downloads libsrtp's source package from Debian without touching the system's apt state. */
async function fetchLibsrtpSource(workDir, logFile) {
  const archive = debianArchive();
  const aptDir = path.join(workDir, 'apt');
  fs.mkdirSync(path.join(aptDir, 'lists', 'partial'), { recursive: true });
  fs.mkdirSync(path.join(aptDir, 'parts'), { recursive: true });
  const signed = archive.signedBy ? `[signed-by=${archive.signedBy}] ` : '';
  fs.writeFileSync(path.join(aptDir, 'sources.list'), `deb-src ${signed}${archive.uri} ${archive.suite} main\n`);
  const aptOpts = [
    '-o', `Dir::Etc::SourceList=${path.join(aptDir, 'sources.list')}`,
    '-o', `Dir::Etc::SourceParts=${path.join(aptDir, 'parts')}`,
    '-o', `Dir::State::Lists=${path.join(aptDir, 'lists')}`,
    '-o', 'Debug::NoLocking=1',
    '-o', 'APT::Sandbox::User=root',
  ];
  log(`downloading libsrtp2 source package from Debian (${archive.suite})`);
  await run('apt-get', [...aptOpts, 'update'], { cwd: workDir, logFile });
  await run('apt-get', [...aptOpts, 'source', '--download-only', 'libsrtp2'], { cwd: workDir, logFile });
  const orig = fs.readdirSync(workDir).find((f) => f.startsWith(`libsrtp2_${LIBSRTP_VERSION}.orig.tar`));
  if (!orig) throw new Error(`Debian's libsrtp2 source package is not version ${LIBSRTP_VERSION}`);
  await run('tar', ['xf', orig], { cwd: workDir, logFile });
  return path.join(workDir, `libsrtp-${LIBSRTP_VERSION}`);
}

/** libsrtp with OpenSSL's AES (AES-NI) instead of its own slow cipher code, as a static library. */
async function buildLibsrtp(srcDir, prefix, logFile) {
  const buildDir = path.join(srcDir, 'build');
  log('configuring libsrtp (OpenSSL crypto, static)');
  await run('meson', [
    'setup', buildDir, srcDir,
    `--prefix=${prefix}`, '--libdir=lib', ...LIBSRTP_MESON_ARGS,
  ], { logFile });
  await run('ninja', ['-C', buildDir, 'install'], { logFile, progress: progressPrinter('libsrtp') });
  const lib = path.join(prefix, 'lib', 'libsrtp2.a');
  if (!fs.existsSync(lib)) throw new Error('libsrtp build produced no libsrtp2.a');
  return { lib, include: path.join(prefix, 'include', 'srtp2') };
}

const SYSTEM_DEPS = `
# --- hearth: system libraries instead of meson subprojects ---
openssl_dep = dependency('openssl', version: '>= 3.0')
nlohmann_json_dep = dependency('nlohmann_json')
libuv_dep = dependency('libuv', version: '>= 1.44')
usrsctp_dep = dependency('usrsctp')
absl_container_dep = dependency('absl_flat_hash_map')
absl_strings_dep = dependency('absl_strings')
absl_types_dep = dependency('absl_optional')
libsrtp2_dep = declare_dependency(
  compile_args: ['-I@SRTP_INCLUDE@'],
  link_args: ['@SRTP_LIB@'],
  dependencies: [dependency('libcrypto')],
)
`;

/**
 * Rewrites the worker's meson files: every `subproject(...)` becomes a
 * `dependency(...)` on a system library (libsrtp: the static OpenSSL build),
 * the meson version floor drops to Debian bookworm's 1.0, and the test and
 * fuzzer targets (which need Catch2 and clang's fuzzer) are cut.
 */
export function patchWorkerMeson(mesonBuild, libwebrtcMeson, srtp) {
  let main = mesonBuild.replace(/meson_version:\s*'>=\s*[\d.]+'/, "meson_version: '>= 0.63.0'");
  const start = main.indexOf('openssl_proj = subproject(');
  const end = main.indexOf('libwebrtc_include_directories');
  if (start < 0 || end < 0) throw new Error('worker meson.build has an unexpected shape; patch needs updating');
  main = main.slice(0, start)
    + SYSTEM_DEPS.replace('@SRTP_INCLUDE@', srtp.include).replace('@SRTP_LIB@', srtp.lib)
    + main.slice(end);
  main = main.replace(/\b\w+_proj\.get_variable\('(\w+)'\)/g, '$1');
  main = main.replace(/link_whole = \[[^\]]*\]/, 'link_whole = [\n  libwebrtc,\n]');
  main = main.replace(/if host_machine\.system\(\) == 'windows'\n  wingetopt_proj[\s\S]*?\nendif\n/, '');
  const testsAt = main.indexOf('test_sources = [');
  if (testsAt < 0) throw new Error('worker meson.build: test targets not found');
  main = main.slice(0, testsAt);
  if (/subproject\(/.test(main)) throw new Error('worker meson.build still references a subproject');

  let webrtc = libwebrtcMeson.replace(/abseil_cpp_proj = subproject\([\s\S]*?\n\)\n/, '');
  webrtc = webrtc.replace(/\b\w+_proj\.get_variable\('(\w+)'\)/g, '$1');
  if (/_proj\b/.test(webrtc)) throw new Error('libwebrtc meson.build still references a subproject');
  return { main, webrtc };
}

function acquireLock(lockFile) {
  for (;;) {
    try {
      const fd = fs.openSync(lockFile, 'wx');
      fs.writeSync(fd, String(process.pid));
      fs.closeSync(fd);
      return;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
      const pid = Number(fs.readFileSync(lockFile, 'utf8'));
      let alive = false;
      try { process.kill(pid, 0); alive = pid > 0; } catch { alive = false; }
      if (!alive) { fs.rmSync(lockFile, { force: true }); continue; }
      log(`another build (pid ${pid}) is running; waiting for it`);
      spawnSync('sleep', ['5']);
      return 'waited';
    }
  }
}

/**
 * Ensures the worker binary exists in the cache and returns its path.
 * @param {string} mediasoupDir the installed mediasoup package (holds worker/)
 */
export async function ensureWorker(mediasoupDir, env = process.env) {
  const target = cachedWorkerPath(env);
  if (fs.existsSync(target)) return target;

  const pkg = JSON.parse(fs.readFileSync(path.join(mediasoupDir, 'package.json'), 'utf8'));
  if (pkg.version !== MEDIASOUP_VERSION) {
    throw new Error(`mediasoup ${pkg.version} is installed; this build script is for ${MEDIASOUP_VERSION}`);
  }
  const root = cacheRoot(env);
  fs.mkdirSync(root, { recursive: true });
  const lockFile = path.join(root, `${workerCacheKey()}.lock`);
  while (acquireLock(lockFile) === 'waited') {
    if (fs.existsSync(target)) return target;
  }
  try {
    if (fs.existsSync(target)) return target;
    const started = Date.now();
    const work = fs.mkdtempSync(path.join(root, `${workerCacheKey()}.build-`));
    const logFile = path.join(work, 'build.log');
    log(`building mediasoup-worker ${MEDIASOUP_VERSION} (takes 4 to 10 minutes on 2 cores; log: ${logFile})`);

    const srtpSrc = await fetchLibsrtpSource(work, logFile);
    const srtp = await buildLibsrtp(srtpSrc, path.join(work, 'srtp-prefix'), logFile);

    const workerSrc = path.join(work, 'worker');
    fs.cpSync(path.join(mediasoupDir, 'worker'), workerSrc, { recursive: true });
    fs.rmSync(path.join(workerSrc, 'subprojects'), { recursive: true, force: true });
    const mesonPath = path.join(workerSrc, 'meson.build');
    const webrtcPath = path.join(workerSrc, 'deps', 'libwebrtc', 'meson.build');
    const patched = patchWorkerMeson(fs.readFileSync(mesonPath, 'utf8'), fs.readFileSync(webrtcPath, 'utf8'), srtp);
    fs.writeFileSync(mesonPath, patched.main);
    fs.writeFileSync(webrtcPath, patched.webrtc);

    const buildDir = path.join(work, 'worker-build');
    log('configuring mediasoup-worker');
    await run('meson', ['setup', buildDir, workerSrc, ...WORKER_MESON_ARGS], { logFile });
    log('compiling mediasoup-worker');
    await run('ninja', ['-C', buildDir, '-j', String(Math.max(1, os.availableParallelism())), 'mediasoup-worker'], {
      logFile,
      progress: progressPrinter('mediasoup-worker'),
    });
    const built = path.join(buildDir, 'mediasoup-worker');
    const finalDir = path.dirname(target);
    const staging = path.join(work, 'out');
    fs.mkdirSync(staging);
    fs.copyFileSync(built, path.join(staging, 'mediasoup-worker'));
    fs.chmodSync(path.join(staging, 'mediasoup-worker'), 0o755);
    spawnSync('strip', [path.join(staging, 'mediasoup-worker')]);
    fs.copyFileSync(logFile, path.join(staging, 'build.log'));
    fs.rmSync(finalDir, { recursive: true, force: true });
    fs.renameSync(staging, finalDir); // atomic: a half-built binary is never seen
    fs.rmSync(work, { recursive: true, force: true });
    log(`built in ${Math.round((Date.now() - started) / 1000)} s: ${target}`);
    return target;
  } finally {
    fs.rmSync(lockFile, { force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === SELF) {
  const dir = process.argv[2] ?? path.join(process.cwd(), 'node_modules', 'mediasoup');
  ensureWorker(dir).then(
    (bin) => { process.stdout.write(`${bin}\n`); },
    (err) => { process.stderr.write(`[worker-build] failed: ${err.message}\n`); process.exit(1); },
  );
}
