/**
 * The instance as the composition root builds it, on a real SQLite store,
 * with a stand-in for federation's persona actors (which the accounts tests
 * inspect) and the media workers left unstarted; listening on 127.0.0.1.
 * And a tiny cookie-keeping HTTP client over global fetch.
 */
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { loadConfig, type Config } from '../../config/index.js';
import type { PersonaHooks, ThrottleLimits } from '../../server/accounts/index.js';
import { buildInstance } from '../../server/composition-root.js';
import { createLogger } from '../../server/core/logging/logger.js';
import { SQLITE_DATABASE_FILE, type Store } from '../../server/store/index.js';
import { StandinPersonaFederation } from './standin-persona-federation.js';

export const PUBLIC_URL = 'http://hearth.test';

export interface HarnessOptions {
  registration?: 'open' | 'invite' | 'closed';
  maxPersonas?: number;
  publicUrl?: string;
  /** Trust X-Forwarded-For from one proxy, so tests can play several clients. */
  trustProxy?: number;
  throttle?: ThrottleLimits;
  /** Sign-up limits; tests that register many accounts from one address get generous ones by default. */
  signup?: { perClientPerHour: number; perHour: number };
  /** HEARTH_DELETION_SPREAD_SECONDS (default 0: remote Deletes at once). */
  deletionSpreadSeconds?: number;
}

export interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
  setCookies: string[];
}

/** A browser stand-in: keeps cookies, sends JSON. */
export class Client {
  readonly cookies = new Map<string, string>();
  /** Headers sent with every request (e.g. X-Forwarded-For). */
  headers: Record<string, string> = {};

  constructor(private readonly baseUrl: string) {}

  async request(method: string, urlPath: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const init: RequestInit = {
      method,
      headers: {
        ...(body !== undefined || !['GET', 'HEAD'].includes(method) ? { 'content-type': 'application/json' } : {}),
        ...(cookie ? { cookie } : {}),
        ...this.headers,
        ...headers,
      },
    };
    if (body !== undefined) init.body = typeof body === 'string' ? body : JSON.stringify(body);
    const res = await fetch(`${this.baseUrl}${urlPath}`, init);
    const setCookies = res.headers.getSetCookie();
    for (const line of setCookies) {
      const [pair = '', ...attributes] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attributes.some((a) => /^\s*expires=Thu, 01 Jan 1970/i.test(a)) || value === '';
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const text = await res.text();
    let parsed: Record<string, unknown> = {};
    if (text) parsed = JSON.parse(text) as Record<string, unknown>;
    return { status: res.status, headers: res.headers, body: parsed, setCookies };
  }

  get(urlPath: string): Promise<Answer> {
    return this.request('GET', urlPath);
  }

  post(urlPath: string, body: unknown = {}, headers?: Record<string, string>): Promise<Answer> {
    return this.request('POST', urlPath, body, headers);
  }

  patch(urlPath: string, body: unknown): Promise<Answer> {
    return this.request('PATCH', urlPath, body);
  }

  delete(urlPath: string, body?: unknown): Promise<Answer> {
    return this.request('DELETE', urlPath, body);
  }
}

export interface Harness {
  baseUrl: string;
  config: Config;
  store: Store;
  dataDir: string;
  federation: StandinPersonaFederation;
  hooks: PersonaHooks;
  /** Moves the router's clock (sessions, throttle, devices). */
  clock: { offsetMs: number };
  client(): Client;
  /** Registers and signs in a new client; answers it with its recovery codes. */
  register(username: string, password?: string, extra?: Record<string, unknown>): Promise<{ client: Client; recoveryCodes: string[] }>;
  /** Every row of every table, as JSON text per table (for "nothing changed" and "nothing left" checks). */
  dumpTables(): Record<string, string>;
  close(): Promise<void>;
}

export const PASSWORD = 'correct horse battery';

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-accounts-'));
  const env: Record<string, string> = {
    HEARTH_DATA_DIR: dataDir,
    HEARTH_PUBLIC_URL: options.publicUrl ?? PUBLIC_URL,
    HEARTH_REGISTRATION: options.registration ?? 'open',
    HEARTH_MAX_PERSONAS: String(options.maxPersonas ?? 5),
    HEARTH_SIGNUP_PER_CLIENT: String(options.signup?.perClientPerHour ?? 10_000),
    HEARTH_SIGNUP_RATE: String(options.signup?.perHour ?? 10_000),
    HEARTH_DELETION_SPREAD_SECONDS: String(options.deletionSpreadSeconds ?? 0),
    HEARTH_TRUST_PROXY: String(options.trustProxy ?? 0),
  };
  const { config } = loadConfig([], env);
  const log = createLogger({ level: 'silent', logIpAddresses: false });
  const federation = new StandinPersonaFederation(config.http.publicUrl);
  const clock = { offsetMs: 0 };
  const built = await buildInstance(config, {
    log,
    version: 'test',
    overrides: {
      startMedia: false,
      personaFederation: federation,
      accounts: { now: () => Date.now() + clock.offsetMs, ...(options.throttle ? { throttle: options.throttle } : {}) },
    },
  });
  const { store, hooks } = built;
  const app = built.app;
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const harness: Harness = {
    baseUrl, config, store, dataDir, federation, hooks, clock,
    client: () => new Client(baseUrl),
    async register(username, password = PASSWORD, extra = {}) {
      const client = new Client(baseUrl);
      const res = await client.post('/api/v1/accounts', { username, password, ...extra });
      if (res.status !== 201) throw new Error(`registration of ${username} failed: ${res.status} ${JSON.stringify(res.body)}`);
      return { client, recoveryCodes: res.body.recoveryCodes as string[] };
    },
    dumpTables() {
      const db = new Database(path.join(dataDir, SQLITE_DATABASE_FILE), { readonly: true });
      try {
        const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all() as string[];
        return Object.fromEntries(tables.map((t) => [t, JSON.stringify(db.prepare(`SELECT * FROM "${t}"`).all())]));
      } finally {
        db.close();
      }
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await built.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return harness;
}

/** Every byte the store wrote (database, WAL), as latin1 text to search for plaintext. */
export function storeBytes(dataDir: string): string {
  return fs.readdirSync(dataDir).map((f) => fs.readFileSync(path.join(dataDir, f)).toString('latin1')).join('\n');
}
