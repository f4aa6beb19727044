/**
 * The inbox load generator: signed Follow activities (draft-cavage,
 * rsa-sha256, RSA-2048), all signed before the clock starts so the
 * generator's own RSA cost does not compete with the server under measure;
 * then POSTed with bounded concurrency, each request timed.
 *
 * The requests go through node:http with a keep-alive Agent (one socket per
 * concurrent request), not fetch: undici's fetch cost the benchmark process
 * about 1.1 ms of CPU per request here, node:http about 0.4 ms (ADR 0049),
 * and the generator runs on the same cores as the server under measure.
 */
import http from 'node:http';
import { signRequest } from '../../federation/signatures/index.js';
import { mapLimit, percentile, round } from './types.js';
import type { BenchActor } from './remote-hosts.js';

export interface InboxLoadResult {
  sent: number;
  accepted: number;
  /** Status code → count, for anything but 2xx. */
  refused: Record<string, number>;
  seconds: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** CPU time (user + system) the benchmark process spent per request sent, in ms: the load generator and whatever else runs in it. */
  generatorCpuMsPerRequest: number;
  /** When each accepted activity's answer came (performance.now()), by activity id. */
  answeredAt: Map<string, number>;
}

interface Prepared {
  id: string;
  body: string;
  headers: Record<string, string>;
}

/** Builds `count` signed Follows of `target` from the actors in turn, to `inbox`. */
export function prepareFollows(options: { inbox: string; target: string; actors: readonly BenchActor[]; count: number; tag: string }): Prepared[] {
  const out: Prepared[] = [];
  for (let i = 0; i < options.count; i++) {
    const actor = options.actors[i % options.actors.length] as BenchActor;
    const id = `${actor.id}/follows/${options.tag}-${i}`;
    const body = JSON.stringify({
      '@context': 'https://www.w3.org/ns/activitystreams',
      id,
      type: 'Follow',
      actor: actor.id,
      object: options.target,
    });
    const base = { 'content-type': 'application/activity+json' };
    const signed = signRequest({ method: 'POST', url: options.inbox, headers: base, body, keyId: actor.keyId, privateKeyPem: actor.privateKeyPem });
    out.push({ id, body, headers: { ...base, ...signed } });
  }
  return out;
}

/** POSTs the prepared requests, `concurrency` at a time, stopping new ones after `maxSeconds`. */
export async function runInboxLoad(inbox: string, prepared: readonly Prepared[], concurrency: number, maxSeconds: number): Promise<InboxLoadResult> {
  const latencies: number[] = [];
  const refused: Record<string, number> = {};
  const answeredAt = new Map<string, number>();
  let accepted = 0;
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const url = new URL(inbox);
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  const deadline = start + maxSeconds * 1000;
  try {
    await mapLimit(prepared, concurrency, async (req) => {
      if (performance.now() > deadline) return;
      const t0 = performance.now();
      const status = await post(url, agent, req);
      const t1 = performance.now();
      latencies.push(t1 - t0);
      if (status >= 200 && status < 300) {
        accepted++;
        answeredAt.set(req.id, t1);
      } else refused[String(status)] = (refused[String(status)] ?? 0) + 1;
    });
  } finally {
    agent.destroy();
  }
  const seconds = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return {
    sent: latencies.length,
    accepted,
    refused,
    seconds: round(seconds, 3),
    perSecond: round(accepted / seconds, 1),
    p50Ms: round(percentile(latencies, 50)),
    p99Ms: round(percentile(latencies, 99)),
    generatorCpuMsPerRequest: round((cpu.user + cpu.system) / 1000 / Math.max(latencies.length, 1), 2),
    answeredAt,
  };
}

/** One POST on the keep-alive agent; answers the status, 0 on a network error (or 30 s without an answer). */
function post(url: URL, agent: http.Agent, req: Prepared): Promise<number> {
  return new Promise((resolve) => {
    const request = http.request({ host: url.hostname, port: url.port, path: url.pathname + url.search, method: 'POST', headers: { ...req.headers, 'content-length': String(Buffer.byteLength(req.body)) }, agent, timeout: 30_000 }, (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode ?? 0));
      res.once('error', () => resolve(0));
    });
    request.once('timeout', () => request.destroy(new Error('timed out')));
    request.once('error', () => resolve(0));
    request.end(req.body);
  });
}
