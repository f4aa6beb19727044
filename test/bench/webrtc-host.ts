/**
 * A child process of the SFU benchmark holding WebRTC listeners: real
 * RTCPeerConnections of @roamhq/wrtc (libwebrtc), each receiving every
 * speaker over ICE, DTLS and SRTP from a mediasoup WebRtcTransport on
 * loopback, decoding the Opus as a browser does. Driven over the IPC
 * channel by webrtc-listeners.ts (requests `{ id, op, ... }`, answers
 * `{ id, ok, value | error }`); it reports `{ ready }` once the library
 * loaded, or `{ ready: false, error }`.
 *
 * Its own process, so the listeners' CPU is measured apart from the room's
 * workers and the library's native threads cannot crash or hold the
 * benchmark's process: it ends with process.exit once its peers are closed
 * (libwebrtc's teardown at a natural exit crashed in trials).
 */
/** What the host uses of the library's RTCPeerConnection (the standard shape; the server build has no DOM types). */
interface PeerConnection {
  readonly connectionState: string;
  setRemoteDescription(description: { type: 'offer'; sdp: string }): Promise<void>;
  createAnswer(): Promise<{ type: 'answer'; sdp?: string }>;
  setLocalDescription(description: { type: 'answer'; sdp?: string }): Promise<void>;
  getStats(): Promise<{ forEach(each: (s: { type: string; packetsReceived?: number; packetsLost?: number; jitter?: number }) => void): void }>;
  close(): void;
}
interface Wrtc { RTCPeerConnection: new (config: { bundlePolicy: 'max-bundle'; rtcpMuxPolicy: 'require' }) => PeerConnection }

interface Request { id: number; op: 'open' | 'stats' | 'close'; sdp?: string }

const peers: PeerConnection[] = [];
const send = (m: unknown): void => { process.send?.(m); };

/** Sum of the inbound audio streams of every peer: packets, lost, jitter (mean, seconds), and how many are connected. */
async function stats(): Promise<{ peers: number; connected: number; streams: number; packets: number; lost: number; jitterS: number; cpuUs: number }> {
  let streams = 0;
  let packets = 0;
  let lost = 0;
  let jitter = 0;
  for (const pc of peers) {
    const report = await pc.getStats();
    report.forEach((s: { type: string; packetsReceived?: number; packetsLost?: number; jitter?: number }) => {
      if (s.type !== 'inbound-rtp') return;
      streams++;
      packets += s.packetsReceived ?? 0;
      lost += s.packetsLost ?? 0;
      jitter += s.jitter ?? 0;
    });
  }
  const cpu = process.cpuUsage();
  return {
    peers: peers.length, connected: peers.filter((pc) => pc.connectionState === 'connected').length,
    streams, packets, lost, jitterS: streams ? jitter / streams : 0, cpuUs: cpu.user + cpu.system,
  };
}

function closeAll(): void {
  for (const pc of peers) pc.close();
  peers.length = 0;
}

async function main(): Promise<void> {
  let wrtc: Wrtc;
  try {
    wrtc = (await import('@roamhq/wrtc')).default;
  } catch (e) {
    send({ ready: false, error: e instanceof Error ? e.message : String(e) });
    process.exit(1);
  }
  process.on('message', (m: Request) => {
    const run = async (): Promise<unknown> => {
      switch (m.op) {
        case 'open': {
          const pc = new wrtc.RTCPeerConnection({ bundlePolicy: 'max-bundle', rtcpMuxPolicy: 'require' });
          peers.push(pc);
          await pc.setRemoteDescription({ type: 'offer', sdp: m.sdp ?? '' });
          const answer = await pc.createAnswer();
          await pc.setLocalDescription(answer);
          return answer.sdp;
        }
        case 'stats':
          return stats();
        case 'close':
          closeAll();
          setTimeout(() => process.exit(0), 50);
          return null;
      }
    };
    run().then((value) => send({ id: m.id, ok: true, value }), (e: unknown) => send({ id: m.id, ok: false, error: e instanceof Error ? e.message : String(e) }));
  });
  // The parent gone: nothing to listen for.
  process.on('disconnect', () => { closeAll(); process.exit(0); });
  send({ ready: true });
}

void main();
