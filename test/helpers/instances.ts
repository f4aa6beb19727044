/**
 * Several real instances as separate processes, each with its own host name
 * (mapped to its own loopback address by the test resolver) and real HTTPS
 * with a certificate authority generated for the test run.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { clusterAgent, TestClient } from './http-client.js';
import { createTestCa, type TestCa } from './test-ca.js';
import { freePortOn, REPO_ROOT, startServerProcess, tempDir, type ServerProcess } from './server-process.js';

export interface TestInstance {
  name: string;
  host: string;
  /** `https://<name>.hearth.test:<port>` */
  url: string;
  dataDir: string;
  /** The environment it was started with (to start it again on the same data, e.g. after a kill). */
  env: NodeJS.ProcessEnv;
  /** The running process (a new one after restart()). */
  proc: ServerProcess;
  stop(): Promise<void>;
  /** Everything the instance wrote to stdout and stderr, over restarts. */
  output(): string;
  /** Stops the process (SIGTERM) and starts it again on the same address and data; resolves once it listens. */
  restart(): Promise<void>;
}

export interface InstanceCluster {
  /** Folder of the run: CA, data directories, and each instance's log after stop(). */
  root: string;
  ca: TestCa;
  /** The CA certificate (PEM), for clients that take it as text (WebSocket, TLS sockets). */
  caPem: string;
  /** Every host name of the run (instances and extra hosts) → its loopback address. */
  hosts: Record<string, string>;
  instances: TestInstance[];
  /** Environment every process that talks to the instances needs (the CA, the resolver). */
  clientEnv: NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

const RESOLVER = path.join(REPO_ROOT, 'dist', 'test', 'helpers', 'test-resolver.js');

export interface ClusterOptions {
  /** Environment for every instance (after the defaults). */
  env?: NodeJS.ProcessEnv;
  /** More test host names the instances must resolve (fake remote servers), name → loopback IP. */
  extraHosts?: Record<string, string>;
}

/** Starts one instance per name: `a` → https://a.hearth.test:<port> on 127.0.0.<n+2>. */
export async function startInstances(names: readonly string[], options: ClusterOptions = {}): Promise<InstanceCluster> {
  const extraEnv = options.env ?? {};
  const root = tempDir('hearth-cluster-');
  const ca = createTestCa(path.join(root, 'ca'));
  const hosts = names.map((name, i) => ({ name, host: `${name}.hearth.test`, ip: `127.0.0.${i + 2}` }));
  const resolverHosts = [...hosts.map((h) => `${h.host}=${h.ip}`), ...Object.entries(options.extraHosts ?? {}).map(([h, ip]) => `${h}=${ip}`)].join(',');
  const clientEnv: NodeJS.ProcessEnv = {
    NODE_EXTRA_CA_CERTS: ca.caCertFile,
    TEST_RESOLVER_HOSTS: resolverHosts,
    NODE_OPTIONS: `--import=${RESOLVER}`,
  };
  const instances: TestInstance[] = [];
  try {
    for (const h of hosts) {
      const port = await freePortOn(h.ip);
      const cert = ca.issue([h.host]);
      const dataDir = path.join(root, h.name);
      fs.mkdirSync(dataDir);
      const url = `https://${h.host}:${port}`;
      const env: NodeJS.ProcessEnv = {
        ...clientEnv,
        HEARTH_HOST: h.ip,
        HEARTH_PORT: String(port),
        HEARTH_PUBLIC_URL: url,
        HEARTH_DATA_DIR: dataDir,
        HEARTH_TLS_CERT: cert.certFile,
        HEARTH_TLS_KEY: cert.keyFile,
        HEARTH_MEDIA_WORKERS: '1',
        HEARTH_FEDERATION_ALLOW_PRIVATE: '127.0.0.0/8',
        HEARTH_LOG_LEVEL: 'debug',
        // Deletes are held back at most a second, unless a test widens the spread.
        HEARTH_DELETION_SPREAD_SECONDS: '1',
        ...extraEnv,
      };
      const logs: string[] = [];
      const instance: TestInstance = {
        name: h.name,
        host: `${h.host}:${port}`,
        url,
        dataDir,
        env,
        proc: startServerProcess({ env }),
        async stop() {
          const { proc } = instance;
          if (proc.child.exitCode === null && proc.child.signalCode === null) {
            proc.kill('SIGTERM');
            await proc.exited;
          }
          // Kept beside the data for a failed run to be read afterwards.
          fs.writeFileSync(path.join(root, `${h.name}.log`), [...logs, proc.rawStdout() + proc.stderr()].join(''));
        },
        output: () => [...logs, instance.proc.rawStdout() + instance.proc.stderr()].join(''),
        async restart() {
          const { proc } = instance;
          proc.kill('SIGTERM');
          await proc.exited;
          logs.push(proc.rawStdout() + proc.stderr());
          instance.proc = startServerProcess({ env });
          await instance.proc.waitForLog((l) => l.msg === 'listening', 30_000);
        },
      };
      instances.push(instance);
    }
    await Promise.all(instances.map((i) => i.proc.waitForLog((l) => l.msg === 'listening', 30_000)));
  } catch (e) {
    for (const i of instances) i.proc.kill('SIGKILL');
    throw e;
  }
  return {
    root,
    ca,
    caPem: fs.readFileSync(ca.caCertFile, 'utf8'),
    hosts: Object.fromEntries([...hosts.map((h): [string, string] => [h.host, h.ip]), ...Object.entries(options.extraHosts ?? {})]),
    instances,
    clientEnv,
    async stop() {
      await Promise.all(instances.map((i) => i.stop()));
    },
  };
}

/** A cookie-keeping client of its own that trusts the cluster's CA and resolves its host names (from `localAddress` when given). */
export function clusterClient(cluster: InstanceCluster, localAddress?: string): TestClient {
  return new TestClient(clusterAgent(cluster.ca.caCertFile, cluster.hosts, localAddress));
}

/** Signs up an account on `base` with the client and creates a persona; answers the persona's actor id. */
export async function signUp(client: TestClient, base: string, username: string, handle: string, displayName = handle.toUpperCase()): Promise<string> {
  const account = await client.post(`${base}/api/v1/accounts`, { username, password: `${username} has a long password` });
  assert.equal(account.status, 201, account.text);
  const persona = await client.post<{ actorId: string }>(`${base}/api/v1/personas`, { handle, displayName, summary: '' });
  assert.equal(persona.status, 201, persona.text);
  return persona.body.actorId;
}

/** Rows of a read-only query on an instance's SQLite database (a look at what it stored). */
export function queryStore<T>(instance: TestInstance, sql: string, ...args: unknown[]): T[] {
  const db = new Database(path.join(instance.dataDir, 'hearth.sqlite'), { readonly: true });
  try {
    return db.prepare(sql).all(...args) as T[];
  } finally {
    db.close();
  }
}
