/**
 * Runs the real server as a child process (`node dist/server/main.js`), the
 * way `npm start` does after set-up, and reads its JSON log lines.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const MAIN_JS = path.join(REPO_ROOT, 'dist', 'server', 'main.js');

export type LogLine = Record<string, unknown> & { msg?: string; level?: number };

export interface ServerProcess {
  child: ChildProcess;
  /** Every stdout line, parsed when it is JSON. */
  lines: LogLine[];
  rawStdout(): string;
  stderr(): string;
  /** Resolves with the first log line matching, or rejects after timeoutMs. */
  waitForLog(match: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** Resolves with the exit code (or signal) once the process has ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal?: NodeJS.Signals): void;
}

/** A free TCP port on loopback (closed again before returning; tests tolerate the tiny race). */
export function freePort(): Promise<number> {
  return freePortOn('127.0.0.1');
}

/** A free TCP port on the given local address. */
export function freePortOn(address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, address, () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export function tempDir(prefix = 'hearth-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Only what the server needs from the test runner's environment (no stray HEARTH_ variables). */
function baseEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const key of ['PATH', 'HOME', 'MEDIASOUP_WORKER_BIN', 'TMPDIR']) {
    const value = process.env[key];
    if (value !== undefined) env[key] = value;
  }
  return env;
}

export function startServerProcess(options: { env?: NodeJS.ProcessEnv; args?: string[]; nodeArgs?: string[] } = {}): ServerProcess {
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), MAIN_JS, ...(options.args ?? [])], {
    cwd: REPO_ROOT,
    // Every test client signs up from a loopback address: a sign-up limit per address would stop the tests.
    env: { ...baseEnv(), HEARTH_SIGNUP_PER_CLIENT: '10000', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: LogLine[] = [];
  let stdout = '';
  let stderr = '';
  let partial = '';
  const waiters = new Set<() => void>();
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    partial += chunk.toString();
    const parts = partial.split('\n');
    partial = parts.pop() ?? '';
    for (const part of parts) {
      try {
        lines.push(JSON.parse(part) as LogLine);
      } catch {
        lines.push({ msg: part, raw: true });
      }
    }
    for (const w of waiters) w();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      for (const w of waiters) w();
      resolve({ code, signal });
    });
  });
  return {
    child,
    lines,
    rawStdout: () => stdout,
    stderr: () => stderr,
    exited,
    kill: (signal = 'SIGTERM') => {
      child.kill(signal);
    },
    waitForLog(match, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const found = lines.find(match);
          if (found) {
            cleanup();
            resolve(found);
          } else if (child.exitCode !== null || child.signalCode !== null) {
            cleanup();
            reject(new Error(`server exited (${child.exitCode ?? child.signalCode}) before the expected log line; stderr: ${stderr}`));
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`timed out after ${timeoutMs} ms waiting for a log line; stderr: ${stderr}`));
        }, timeoutMs);
        const cleanup = (): void => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
  };
}

/** Child process ids of pid, read from /proc (the mediasoup workers of a server). */
export function childPids(pid: number): number[] {
  const out: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Fields after the ")" that closes the command name: state, ppid, ...
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) === pid) out.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return out;
}

/** Polls fn until it returns a truthy value or the timeout passes. */
export async function waitFor<T>(fn: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * One server process on a free loopback port with its own data directory and
 * one media worker, public at `http://localhost:<port>`; resolves once it listens.
 */
export async function startLocalServer(): Promise<{ proc: ServerProcess; base: string; host: string }> {
  const port = await freePort();
  const host = `localhost:${port}`;
  const proc = startServerProcess({
    env: { HEARTH_PORT: String(port), HEARTH_HOST: '127.0.0.1', HEARTH_PUBLIC_URL: `http://${host}`, HEARTH_DATA_DIR: tempDir(), HEARTH_MEDIA_WORKERS: '1' },
  });
  await proc.waitForLog((l) => l.msg === 'listening', 30_000);
  return { proc, base: `http://127.0.0.1:${port}`, host };
}

/** A server process on loopback that answers /healthz, and how to stop it. */
export interface LoopbackServer {
  /** `http://127.0.0.1:<port>` (also its public URL). */
  base: string;
  proc: ServerProcess;
  /** Ends the process (SIGTERM) when it still runs; resolves once it has. */
  stop: () => Promise<void>;
}

/**
 * One server process on a free 127.0.0.1 port over plain HTTP, on `dataDir`,
 * with one media worker and warnings-only logs (the benchmarks' server); `env`
 * comes on top. Resolves once it answers /healthz; when it does not, it is
 * stopped and the error carries the end of its stderr.
 */
export async function startLoopbackServer(options: { dataDir: string; env?: NodeJS.ProcessEnv; nodeArgs?: string[] }): Promise<LoopbackServer> {
  const port = await freePortOn('127.0.0.1');
  const base = `http://127.0.0.1:${port}`;
  const proc = startServerProcess({
    env: {
      HEARTH_HOST: '127.0.0.1', HEARTH_PORT: String(port), HEARTH_PUBLIC_URL: base, HEARTH_DATA_DIR: options.dataDir,
      HEARTH_LOG_LEVEL: 'warn', HEARTH_MEDIA_WORKERS: '1',
      ...options.env,
    },
    ...(options.nodeArgs ? { nodeArgs: options.nodeArgs } : {}),
  });
  const server: LoopbackServer = {
    base,
    proc,
    stop: async () => {
      if (proc.child.exitCode === null && proc.child.signalCode === null) {
        proc.kill('SIGTERM');
        await proc.exited;
      }
    },
  };
  try {
    await waitFor(async () => {
      if (proc.child.exitCode !== null) throw new Error(`the server exited (${proc.child.exitCode})`);
      return (await fetch(`${base}/healthz`).catch(() => undefined))?.ok;
    }, 30_000, 'the server to answer /healthz');
  } catch (e) {
    throw await stoppedWith(server, e);
  }
  return server;
}

/** Stops a loopback server after `e` and answers the error to throw: its message and the end of the server's stderr. */
export async function stoppedWith(server: LoopbackServer, e: unknown): Promise<Error> {
  await server.stop();
  return new Error(`${e instanceof Error ? e.message : String(e)}; server stderr: ${server.proc.stderr().slice(-2000)}`);
}
