/**
 * Where the MongoDB contract tests get a server: `MONGODB_URL` if set, else a
 * throwaway `mongod` from the PATH (single-node replica set, so that majority
 * read and write concerns mean what they say), else nowhere.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { MongoClient } from 'mongodb';

export type MongoTarget = { kind: 'url'; url: string } | { kind: 'mongod'; binary: string } | { kind: 'none' };

/** A reachable MongoDB for the tests, and how to let go of it. */
export interface MongoServer {
  url: string;
  stop(): Promise<void>;
}

export const MONGO_SKIP_REASON = 'no MONGODB_URL and no mongod on PATH';

/** Decides, without starting anything, where MongoDB tests would run. */
export function findMongoTarget(env: NodeJS.ProcessEnv = process.env): MongoTarget {
  if (env.MONGODB_URL) return { kind: 'url', url: env.MONGODB_URL };
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, 'mongod');
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return { kind: 'mongod', binary: candidate };
    } catch {
      // not here
    }
  }
  return { kind: 'none' };
}

/** Gives the URL for a target, starting a mongod if that is the target. */
export async function startMongo(target: Exclude<MongoTarget, { kind: 'none' }>): Promise<MongoServer> {
  if (target.kind === 'url') return { url: target.url, stop: () => Promise.resolve() };
  return startMongod(target.binary);
}

/** The same URL naming another database (tests never touch the configured one). */
export function withDatabase(url: string, database: string): string {
  const match = /^(mongodb(?:\+srv)?:\/\/[^/?]*)(\/[^?]*)?(\?.*)?$/.exec(url);
  if (!match?.[1]) throw new Error('MONGODB_URL is not a mongodb:// URL');
  return `${match[1]}/${database}${match[3] ?? ''}`;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function startMongod(binary: string): Promise<MongoServer> {
  const dbpath = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-mongod-'));
  const port = await freePort();
  const replSet = 'hearth-test';
  const child = spawn(
    binary,
    ['--dbpath', dbpath, '--port', String(port), '--bind_ip', '127.0.0.1', '--replSet', replSet, '--nounixsocket', '--quiet'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const stop = async (): Promise<void> => {
    await stopChild(child);
    fs.rmSync(dbpath, { recursive: true, force: true });
  };
  try {
    await initiateReplicaSet(port, replSet, child, () => stderr);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: `mongodb://127.0.0.1:${port}/?replicaSet=${replSet}`, stop };
}

async function initiateReplicaSet(port: number, replSet: string, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  const direct = new MongoClient(`mongodb://127.0.0.1:${port}/?directConnection=true`, { serverSelectionTimeoutMS: 1000 });
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`mongod exited with code ${child.exitCode}: ${stderr()}`);
      if (Date.now() > deadline) throw new Error(`mongod did not become primary within 60 s: ${stderr()}`);
      try {
        await direct.connect();
        const admin = direct.db('admin');
        const hello = await admin.command({ hello: 1 });
        if (hello.isWritablePrimary === true) return;
        if (!hello.setName) {
          await admin.command({ replSetInitiate: { _id: replSet, members: [{ _id: 0, host: `127.0.0.1:${port}` }] } });
        }
      } catch {
        // not up yet
      }
      await sleep(250);
    }
  } finally {
    await direct.close();
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}
