/**
 * A test HTTP client for the instances of a cluster: trusts the run's test CA
 * and resolves the test host names to their loopback addresses, like the
 * instances themselves do. Keeps cookies per client (one client = one browser).
 */
import dns from 'node:dns';
import fs from 'node:fs';
import tls from 'node:tls';
import { Agent, fetch as undiciFetch } from 'undici';

export interface JsonResponse<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export class TestClient {
  private readonly cookies = new Map<string, string>();

  constructor(private readonly agent: Agent) {}

  /** The Cookie header this client sends (for a WebSocket opened on its behalf). */
  cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  async request<T = Record<string, unknown>>(method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<JsonResponse<T>> {
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await undiciFetch(url, {
      method,
      dispatcher: this.agent,
      headers: {
        accept: 'application/json',
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(cookie ? { cookie } : {}),
        ...headers,
      },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    for (const set of res.headers.getSetCookie()) {
      const [pair = ''] = set.split(';');
      const eq = pair.indexOf('=');
      if (eq > 0) {
        const name = pair.slice(0, eq).trim();
        const value = pair.slice(eq + 1).trim();
        if (value === '' || /max-age=0/i.test(set) || /expires=Thu, 01 Jan 1970/i.test(set)) this.cookies.delete(name);
        else this.cookies.set(name, value);
      }
    }
    const text = await res.text();
    let parsed: unknown = {};
    try {
      parsed = text ? JSON.parse(text) : {};
    } catch {
      parsed = {};
    }
    return { status: res.status, headers: res.headers as unknown as Headers, body: parsed as T, text };
  }

  get<T = Record<string, unknown>>(url: string, headers?: Record<string, string>): Promise<JsonResponse<T>> {
    return this.request<T>('GET', url, undefined, headers);
  }

  post<T = Record<string, unknown>>(url: string, body: unknown = {}, headers?: Record<string, string>): Promise<JsonResponse<T>> {
    return this.request<T>('POST', url, body, headers);
  }
}

/**
 * An undici Agent that trusts `caFile` and maps `host → ip` (everything else:
 * system DNS); `localAddress` binds its connections to a client address of their own.
 */
export function clusterAgent(caFile: string, hosts: Record<string, string>, localAddress?: string): Agent {
  const ca = [...tls.rootCertificates, fs.readFileSync(caFile, 'utf8')];
  return new Agent({
    connect: {
      ca,
      ...(localAddress ? { localAddress } : {}),
      lookup: (hostname, options, callback) => {
        const ip = hosts[hostname.toLowerCase()];
        if (!ip) {
          dns.lookup(hostname, options, callback);
          return;
        }
        if ((options).all) (callback as (e: null, a: dns.LookupAddress[]) => void)(null, [{ address: ip, family: 4 }]);
        else (callback as (e: null, a: string, f: number) => void)(null, ip, 4);
      },
    },
  });
}
