/**
 * The inbox load generator: signed Follow activities (draft-cavage,
 * rsa-sha256, RSA-2048), all signed before the clock starts so the
 * generator's own RSA cost does not compete with the server under measure;
 * then POSTed with bounded concurrency, each request timed.
 */
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
}

interface Prepared {
  body: string;
  headers: Record<string, string>;
}

/** Builds `count` signed Follows of `target` from the actors in turn, to `inbox`. */
export function prepareFollows(options: { inbox: string; target: string; actors: readonly BenchActor[]; count: number; tag: string }): Prepared[] {
  const out: Prepared[] = [];
  for (let i = 0; i < options.count; i++) {
    const actor = options.actors[i % options.actors.length] as BenchActor;
    const body = JSON.stringify({
      '@context': 'https://www.w3.org/ns/activitystreams',
      id: `${actor.id}/follows/${options.tag}-${i}`,
      type: 'Follow',
      actor: actor.id,
      object: options.target,
    });
    const base = { 'content-type': 'application/activity+json' };
    const signed = signRequest({ method: 'POST', url: options.inbox, headers: base, body, keyId: actor.keyId, privateKeyPem: actor.privateKeyPem });
    out.push({ body, headers: { ...base, ...signed } });
  }
  return out;
}

/** POSTs the prepared requests, `concurrency` at a time, stopping new ones after `maxSeconds`. */
export async function runInboxLoad(inbox: string, prepared: readonly Prepared[], concurrency: number, maxSeconds: number): Promise<InboxLoadResult> {
  const latencies: number[] = [];
  const refused: Record<string, number> = {};
  let accepted = 0;
  const start = performance.now();
  const deadline = start + maxSeconds * 1000;
  await mapLimit(prepared, concurrency, async (req) => {
    if (performance.now() > deadline) return;
    const t0 = performance.now();
    let status: number;
    try {
      const res = await fetch(inbox, { method: 'POST', headers: req.headers, body: req.body });
      await res.arrayBuffer();
      status = res.status;
    } catch {
      status = 0;
    }
    latencies.push(performance.now() - t0);
    if (status >= 200 && status < 300) accepted++;
    else refused[String(status)] = (refused[String(status)] ?? 0) + 1;
  });
  const seconds = (performance.now() - start) / 1000;
  return {
    sent: latencies.length,
    accepted,
    refused,
    seconds: round(seconds, 3),
    perSecond: round(accepted / seconds, 1),
    p50Ms: round(percentile(latencies, 50)),
    p99Ms: round(percentile(latencies, 99)),
  };
}
