/**
 * The reference browser client: join a room by id, hear everyone on stage,
 * raise a hand, accept an invitation, speak, mute. Bundled by esbuild into
 * dist/web/client.js. It speaks the protocol of docs/protocol/signaling.md.
 */
import { Device, type types } from 'mediasoup-client';

type Json = Record<string, unknown>;
interface Grant { token: string; role: string; canPublish: boolean }
interface Person { id: string; handle: string | null; displayName: string | null; role: string; muted: boolean; invited: boolean }
interface Room { roomId: string; stage: Person[]; audience: Person[]; listenerCount: number; hands: string[]; handRaised: boolean; ended: boolean }

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const app = $('app');
const roomId = app.dataset.roomId ?? '';
const status = (text: string): void => {
  $('status').textContent = text;
};

let ws: WebSocket | undefined;
let nextId = 0;
const pending = new Map<number, { resolve: (v: Json) => void; reject: (e: Error) => void }>();
let me = '';
let grant: Grant | undefined;
let device: Device | undefined;
let recv: types.Transport | undefined;
let send: types.Transport | undefined;
let producer: types.Producer | undefined;
let producing: Promise<void> | undefined;
const consumers = new Map<string, types.Consumer>();
let lastRoom: Room | undefined;

function request(type: string, fields: Json = {}): Promise<Json> {
  const id = ++nextId;
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    ws?.send(JSON.stringify({ id, type, ...fields }));
  });
}

const withGrant = (fields: Json = {}): Json => ({ grant: grant?.token ?? '', ...fields });

async function openTransport(direction: 'send' | 'recv'): Promise<types.Transport> {
  if (!device) throw new Error('no device');
  const info = (await request('createTransport', withGrant({ direction }))) as unknown as types.TransportOptions;
  const transport = direction === 'send' ? device.createSendTransport(info) : device.createRecvTransport(info);
  transport.on('connect', ({ dtlsParameters }, done, fail) => {
    request('connectTransport', withGrant({ transportId: transport.id, dtlsParameters })).then(() => done(), fail);
  });
  if (direction === 'send') {
    transport.on('produce', ({ rtpParameters }, done, fail) => {
      request('produce', withGrant({ transportId: transport.id, rtpParameters })).then((r) => done({ id: String(r.id) }), fail);
    });
  }
  return transport;
}

async function consume(producerId: string): Promise<void> {
  if (!recv || !device || consumers.has(producerId)) return;
  const info = await request('consume', withGrant({ transportId: recv.id, producerId, rtpCapabilities: device.rtpCapabilities }));
  const consumer = await recv.consume({ id: String(info.id), producerId, kind: 'audio', rtpParameters: info.rtpParameters as types.RtpParameters });
  consumers.set(producerId, consumer);
  const audio = document.createElement('audio');
  audio.autoplay = true;
  audio.srcObject = new MediaStream([consumer.track]);
  audio.dataset.producerId = producerId;
  $('audio').append(audio);
  void audio.play().catch(() => undefined);
  await request('resumeConsumer', withGrant({ consumerId: consumer.id }));
}

function dropConsumer(producerId: string): void {
  consumers.get(producerId)?.close();
  consumers.delete(producerId);
  document.querySelector(`audio[data-producer-id="${CSS.escape(producerId)}"]`)?.remove();
}

async function startSpeaking(): Promise<void> {
  if (producer || producing) return producing;
  producing = (async () => {
    const stream = await navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false } });
    const track = stream.getAudioTracks()[0];
    if (!track) throw new Error('no microphone');
    send ??= await openTransport('send');
    producer = await send.produce({ track, stopTracks: false });
  })().finally(() => {
    producing = undefined;
  });
  return producing;
}

function stopSpeaking(): void {
  producer?.close();
  producer = undefined;
  send?.close();
  send = undefined;
}

/** Media from scratch on the (possibly new) router: the first join, and after the server says reconnect. */
async function connectMedia(routerRtpCapabilities: types.RtpCapabilities, producers: { producerId: string }[]): Promise<void> {
  for (const id of [...consumers.keys()]) dropConsumer(id);
  recv?.close();
  send?.close();
  producer = undefined;
  send = undefined;
  device = new Device();
  await device.load({ routerRtpCapabilities });
  recv = await openTransport('recv');
  for (const p of producers) await consume(p.producerId);
  if (grant?.canPublish) await startSpeaking();
}

function render(room: Room): void {
  lastRoom = room;
  const item = (p: Person): HTMLLIElement => {
    const li = document.createElement('li');
    li.textContent = `${p.displayName ?? p.handle ?? 'someone'} (${p.role}${p.muted ? ', muted' : ''})`;
    return li;
  };
  $('stage').replaceChildren(...room.stage.map(item));
  $('audience').replaceChildren(...room.audience.map(item));
  $('listener-count').textContent = `${room.listenerCount} listening`;
  const self = [...room.stage, ...room.audience].find((p) => p.id === me);
  const onStage = room.stage.some((p) => p.id === me);
  $('accept-invite').hidden = !self?.invited;
  $('mute').hidden = !onStage;
  $('raise-hand').hidden = onStage;
  $('raise-hand').setAttribute('aria-pressed', String(room.handRaised));
  $('raise-hand').textContent = room.handRaised ? 'Lower hand' : 'Raise hand';
  const muted = room.stage.find((p) => p.id === me)?.muted ?? false;
  $('mute').setAttribute('aria-pressed', String(muted));
  $('mute').textContent = muted ? 'Unmute microphone' : 'Mute microphone';
}

function onEvent(event: string, data: Json): void {
  switch (event) {
    case 'room':
      render(data as unknown as Room);
      break;
    case 'grant': {
      const was = grant?.canPublish;
      grant = data as unknown as Grant;
      if (grant.canPublish && !was) {
        status('You are on stage.');
        void startSpeaking();
      } else if (!grant.canPublish && was) {
        status('You are back in the audience.');
        stopSpeaking();
      }
      break;
    }
    case 'invited':
      status('A moderator invited you to speak.');
      break;
    case 'producerAdded':
      void consume(String(data.producerId));
      break;
    case 'producerClosed':
      dropConsumer(String(data.producerId));
      break;
    case 'reconnect':
      status('Reconnecting audio…');
      void (async () => {
        grant = (await request('refreshGrant')) as unknown as Grant;
        await connectMedia(data.routerRtpCapabilities as types.RtpCapabilities, []);
        const { producers } = (await request('listProducers', withGrant())) as { producers: { producerId: string }[] };
        for (const p of producers) await consume(p.producerId);
        status('Audio reconnected.');
      })();
      break;
    case 'left':
      status(`You left the room (${String(data.reason)}).`);
      $('controls').hidden = true;
      stopSpeaking();
      break;
    default:
      break;
  }
}

async function join(): Promise<void> {
  ws = new WebSocket(`${location.origin.replace(/^http/, 'ws')}/api/v1/signal`);
  ws.addEventListener('message', (e) => {
    const msg = JSON.parse(String(e.data)) as Json;
    if (typeof msg.event === 'string') return onEvent(msg.event, (msg.data ?? {}) as Json);
    const waiter = pending.get(Number(msg.id));
    if (!waiter) return;
    pending.delete(Number(msg.id));
    if (msg.ok) waiter.resolve((msg.data ?? {}) as Json);
    else waiter.reject(new Error(String((msg.error as Json | undefined)?.code)));
  });
  ws.addEventListener('close', () => status('Disconnected.'));
  await new Promise((resolve) => ws?.addEventListener('open', resolve, { once: true }));
  const answer = await request('join', { roomId, hidden: $<HTMLInputElement>('hidden').checked });
  me = String(answer.participantId);
  grant = answer.grant as Grant;
  render(answer.room as Room);
  $('controls').hidden = false;
  $('join').hidden = true;
  status('Joined. Listening.');
  // Grants live ten minutes: refresh well before, so later media requests carry a valid one.
  const refresh = setInterval(() => {
    if (!ws || ws.readyState !== WebSocket.OPEN) return clearInterval(refresh);
    request('refreshGrant').then((g) => {
      grant = g as unknown as Grant;
    }, () => clearInterval(refresh));
  }, 4 * 60_000);
  await connectMedia(answer.routerRtpCapabilities as types.RtpCapabilities, answer.producers as { producerId: string }[]);
}

/** Sums what every consumer received (tests read this through window.hearth). */
async function audioStats(): Promise<{ bytesReceived: number; totalAudioEnergy: number; consumers: number }> {
  let bytesReceived = 0;
  let totalAudioEnergy = 0;
  for (const c of consumers.values()) {
    (await c.getStats()).forEach((s: { type?: string; bytesReceived?: number; totalAudioEnergy?: number }) => {
      if (s.type !== 'inbound-rtp') return;
      bytesReceived += s.bytesReceived ?? 0;
      totalAudioEnergy += s.totalAudioEnergy ?? 0;
    });
  }
  return { bytesReceived, totalAudioEnergy, consumers: consumers.size };
}

const act = (f: () => Promise<unknown>) => () => {
  f().catch((e: unknown) => status(`Refused: ${e instanceof Error ? e.message : String(e)}`));
};
$('join').addEventListener('click', act(join));
$('raise-hand').addEventListener('click', act(() => request(lastRoom?.handRaised ? 'lowerHand' : 'raiseHand')));
$('accept-invite').addEventListener('click', act(() => request('acceptInvite')));
$('mute').addEventListener('click', act(() => {
  const muted = lastRoom?.stage.find((p) => p.id === me)?.muted ?? false;
  return muted ? request('unmute') : request('mute', { participantId: me });
}));
$('leave').addEventListener('click', act(async () => {
  await request('leave');
  stopSpeaking();
}));

Object.assign(window, { hearth: { audioStats, state: () => ({ me, grant, room: lastRoom, producing: producer !== undefined }) } });
