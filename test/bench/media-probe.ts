/**
 * Benchmark probe, preloaded into an instance process under test with
 * `--import <this file>` and `BENCH_MEDIA_PROBE=1` (the cascade benchmark
 * does; the product never loads it). It watches the process's mediasoup
 * objects through mediasoup's own observer and answers, on a loopback HTTP
 * port it prints as a log line (`bench media probe`):
 *
 * - `GET /stats`: every producer (id, transport kind, packets and bytes
 *   received) and every cascade pipe (PipeTransport with SRTP) with its
 *   consumers' packets and bytes sent: the instance's egress to linked instances;
 * - `POST /listen {producerId, port}`: a plain RTP listener (no SRTP) on the
 *   router holding that producer, sending to 127.0.0.1:port, so the bench
 *   reads the packets' arrival times itself.
 *
 * Test-only. mediasoup reads MEDIASOUP_WORKER_BIN when it loads, so the
 * instance must get the worker binary from the environment (the bench's
 * instances do).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as mediasoup from 'mediasoup';
import type { types } from 'mediasoup';

interface Watched {
  producers: Map<string, { producer: types.Producer; router: types.Router; transport: types.Transport }>;
  pipes: Set<types.PipeTransport>;
  pipeConsumers: Map<types.PipeTransport, Set<types.Consumer>>;
}

const watched: Watched = { producers: new Map(), pipes: new Set(), pipeConsumers: new Map() };
const listeners: types.Transport[] = [];

function isPipe(t: types.Transport): t is types.PipeTransport {
  return t.constructor.name === 'PipeTransport';
}

function watchRouter(router: types.Router): void {
  router.observer.on('newtransport', (transport: types.Transport) => {
    transport.observer.on('newproducer', (producer: types.Producer) => {
      watched.producers.set(producer.id, { producer, router, transport });
      producer.observer.once('close', () => watched.producers.delete(producer.id));
    });
    // Only cascade links: a PipeTransport with SRTP (pipeToRouter between one instance's own routers has none).
    if (!isPipe(transport) || !transport.srtpParameters) return;
    const consumers = new Set<types.Consumer>();
    watched.pipes.add(transport);
    watched.pipeConsumers.set(transport, consumers);
    transport.observer.on('newconsumer', (consumer: types.Consumer) => {
      consumers.add(consumer);
      consumer.observer.once('close', () => consumers.delete(consumer));
    });
    transport.observer.once('close', () => {
      watched.pipes.delete(transport);
      watched.pipeConsumers.delete(transport);
    });
  });
}

async function sent(consumer: types.Consumer): Promise<{ packets: number; bytes: number }> {
  const stats = await consumer.getStats();
  const out = stats.filter((s) => s.type === 'outbound-rtp');
  return { packets: out.reduce((n, s) => n + s.packetCount, 0), bytes: out.reduce((n, s) => n + s.byteCount, 0) };
}

async function stats(): Promise<unknown> {
  const producers = await Promise.all([...watched.producers.values()].map(async ({ producer, transport }) => {
    const s = await producer.getStats();
    return {
      id: producer.id, transport: transport.constructor.name, paused: producer.paused,
      packets: s.reduce((n, x) => n + x.packetCount, 0), bytes: s.reduce((n, x) => n + x.byteCount, 0),
    };
  }));
  const pipes = await Promise.all([...watched.pipes].map(async (pipe) => ({
    transportId: pipe.id,
    consumers: await Promise.all([...(watched.pipeConsumers.get(pipe) ?? [])].map(async (c) => ({ producerId: c.producerId, ...(await sent(c)) }))),
  })));
  return { producers, pipes };
}

async function listen(producerId: string, port: number): Promise<unknown> {
  const found = watched.producers.get(producerId);
  if (!found) return { error: 'no such producer here' };
  const transport = await found.router.createPlainTransport({ listenIp: '127.0.0.1', rtcpMux: true, comedia: false });
  listeners.push(transport);
  await transport.connect({ ip: '127.0.0.1', port });
  const consumer = await transport.consume({ producerId, rtpCapabilities: found.router.rtpCapabilities });
  return { consumerId: consumer.id };
}

function readBody(req: http.IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    let text = '';
    req.on('data', (c: Buffer) => { text += c.toString(); });
    req.on('end', () => {
      try {
        resolve(text ? (JSON.parse(text) as Record<string, unknown>) : {});
      } catch (e) {
        reject(e instanceof Error ? e : new Error(String(e)));
      }
    });
  });
}

if (process.env.BENCH_MEDIA_PROBE === '1') {
  mediasoup.observer.on('newworker', (worker: types.Worker) => worker.observer.on('newrouter', watchRouter));
  const server = http.createServer((req, res) => {
    const answer = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const run = async (): Promise<void> => {
      if (req.method === 'GET' && req.url === '/stats') return answer(200, await stats());
      if (req.method === 'POST' && req.url === '/listen') {
        const body = await readBody(req);
        const result = await listen(String(body.producerId), Number(body.port));
        return answer(result && typeof result === 'object' && 'error' in result ? 404 : 200, result);
      }
      answer(404, { error: 'not found' });
    };
    run().catch((e: unknown) => answer(500, { error: e instanceof Error ? e.message : String(e) }));
  });
  server.listen(0, '127.0.0.1', () => {
    process.stdout.write(`${JSON.stringify({ msg: 'bench media probe', port: (server.address() as AddressInfo).port })}\n`);
  });
  // The probe never keeps the instance alive by itself.
  server.unref();
}
