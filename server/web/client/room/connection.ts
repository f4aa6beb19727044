/**
 * One tab's presence in a room: the signaling WebSocket, the join, the
 * events, and the media (./media.ts). Exposes a snapshot that the page
 * renders and re-renders on every change. Reconnects by itself after a
 * network drop or a server restart (backoff), on `reconnect` (the room moved
 * to another media worker), and after 4409 (the tab now acts as another
 * persona); says plainly why it stops on 4401, 4410 and bans.
 */
import type { types } from 'mediasoup-client';
import { RoomMedia } from './media.js';
import { closeMeaning, errorText, leftText, SignalError, type Grant, type Person, type RoomCounts, type RoomState } from './protocol.js';

type Json = Record<string, unknown>;

export type Phase = 'idle' | 'connecting' | 'joined' | 'reconnecting' | 'left' | 'stopped';

export interface Snapshot {
  phase: Phase;
  me: string;
  grant: Grant | undefined;
  room: RoomState | undefined;
  activeSpeaker: string | null;
  invited: boolean;
  /** What is happening, in words (announced politely). */
  status: string;
  /** The last refused action or media trouble, in words. */
  error: string | null;
  speaking: boolean;
}

/** You in a room state: its `self` entry (older servers: looked up in the lists). */
function selfIn(room: RoomState, me: string): Person | undefined {
  return room.self ?? [...room.stage, ...room.audience].find((p) => p.id === me);
}

const BACKOFF_MS = [1_000, 2_000, 4_000, 8_000, 15_000];
/** After the server said it is restarting: a try every 0.5–1 s for about half a minute, then the backoff. */
const RESTART_RETRY_MS = 500;
const RESTART_TRIES = 40;

export class RoomConnection {
  private ws: WebSocket | undefined;
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (v: Json) => void; reject: (e: Error) => void }>();
  private media: RoomMedia | undefined;
  private refresh: ReturnType<typeof setInterval> | undefined;
  private attempts = 0;
  /** Tries since the server said it is restarting (undefined: it did not). */
  private restarting: number | undefined;
  private wantIn = false;
  private hidden = false;
  private readonly listeners = new Set<(s: Snapshot) => void>();
  snap: Snapshot = { phase: 'idle', me: '', grant: undefined, room: undefined, activeSpeaker: null, invited: false, status: 'Not connected.', error: null, speaking: false };

  constructor(private readonly roomId: string, private readonly audioSink: HTMLElement) {}

  subscribe(l: (s: Snapshot) => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  private set(next: Partial<Snapshot>): void {
    this.snap = { ...this.snap, ...next, speaking: this.media?.speaking ?? false };
    for (const l of this.listeners) l(this.snap);
  }

  request(type: string, fields: Json = {}): Promise<Json> {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return Promise.reject(new SignalError('not_connected', 'Not connected to the room right now.'));
    const id = ++this.nextId;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      ws.send(JSON.stringify({ id, type, ...fields }));
    });
  }

  /** Runs a room action; a refusal becomes the snapshot's error. */
  async act(type: string, fields: Json = {}): Promise<boolean> {
    this.set({ error: null });
    try {
      await this.request(type, fields);
      return true;
    } catch (e) {
      this.set({ error: e instanceof Error ? e.message : String(e) });
      return false;
    }
  }

  join(hidden: boolean): void {
    this.wantIn = true;
    this.hidden = hidden;
    this.attempts = 0;
    this.open();
  }

  private open(): void {
    this.set({ phase: this.snap.phase === 'idle' || this.snap.phase === 'left' || this.snap.phase === 'stopped' ? 'connecting' : 'reconnecting', error: null });
    const ws = new WebSocket(`${location.origin.replace(/^http/, 'ws')}/api/v1/signal`);
    this.ws = ws;
    ws.addEventListener('message', (e) => this.onMessage(String(e.data)));
    ws.addEventListener('close', (e) => this.onClose(ws, e.code));
    ws.addEventListener('open', () => {
      void this.enter().catch((e: unknown) => {
        // A connection lost while joining is the close handler's to retry.
        if (e instanceof SignalError && e.code === 'not_connected') return;
        const message = e instanceof Error ? e.message : String(e);
        this.teardown();
        this.wantIn = false;
        this.set({ phase: 'stopped', status: message, error: message });
        ws.close(1000);
      });
    });
  }

  private async enter(): Promise<void> {
    const answer = await this.request('join', { roomId: this.roomId, hidden: this.hidden });
    this.attempts = 0;
    this.restarting = undefined;
    const grant = answer.grant as Grant;
    this.media?.close();
    this.media = new RoomMedia((t, f) => this.request(t, f), () => this.snap.grant?.token ?? '', this.audioSink);
    this.set({ phase: 'joined', me: String(answer.participantId), grant, room: answer.room as RoomState, invited: false,
      status: grant.canPublish ? 'Joined. You are on stage.' : 'Joined. Listening.' });
    clearInterval(this.refresh);
    // Grants live ten minutes: refresh well before, so later media requests carry a valid one.
    this.refresh = setInterval(() => {
      this.request('refreshGrant').then((g) => this.set({ grant: g as unknown as Grant }), () => undefined);
    }, 4 * 60_000);
    await this.media.start(answer.routerRtpCapabilities as types.RtpCapabilities, answer.producers as { producerId: string }[]);
    if (grant.canPublish) await this.speak();
  }

  private async speak(): Promise<void> {
    const self = this.self();
    try {
      await this.media?.startSpeaking(self?.muted ?? false);
      this.set({});
    } catch (e) {
      this.set({ error: e instanceof Error ? e.message : String(e) });
    }
  }

  self(): Person | undefined {
    const r = this.snap.room;
    return r ? selfIn(r, this.snap.me) : undefined;
  }

  /** A page of the audience from `offset` (room states list only its first entries). */
  async audiencePage(offset: number): Promise<{ audience: Person[]; next: number | null }> {
    const page = await this.request('audience', { offset, limit: 50 });
    return { audience: (page.audience ?? []) as Person[], next: typeof page.next === 'number' ? page.next : null };
  }

  /** Mute: on this device first (nothing leaves it), then the server. Unmute: the server first (a moderator's mute may hold). */
  async setMuted(muted: boolean): Promise<void> {
    if (muted) {
      this.media?.setLocalMute(true);
      this.set({});
      await this.act('mute', { participantId: this.snap.me });
      return;
    }
    if (await this.act('unmute')) {
      this.media?.setLocalMute(false);
      this.set({});
    }
  }

  async leave(): Promise<void> {
    this.wantIn = false;
    await this.request('leave').catch(() => undefined);
    this.teardown();
    this.set({ phase: 'left', status: leftText('left'), room: undefined, activeSpeaker: null, invited: false });
    this.ws?.close(1000);
  }

  private teardown(): void {
    clearInterval(this.refresh);
    this.media?.close();
    this.media = undefined;
  }

  private onMessage(raw: string): void {
    let msg: Json;
    try {
      msg = JSON.parse(raw) as Json;
    } catch {
      return;
    }
    if (typeof msg.event === 'string') return this.onEvent(msg.event, (msg.data ?? {}) as Json);
    const waiter = this.pending.get(Number(msg.id));
    if (!waiter) return;
    this.pending.delete(Number(msg.id));
    if (msg.ok) waiter.resolve((msg.data ?? {}) as Json);
    else {
      const error = (msg.error ?? {}) as { code?: string; message?: string };
      waiter.reject(new SignalError(String(error.code), errorText(String(error.code), error.message)));
    }
  }

  private onEvent(event: string, data: Json): void {
    switch (event) {
      case 'room': {
        const room = data as unknown as RoomState;
        const self = selfIn(room, this.snap.me);
        // A moderator's mute holds on this device too: nothing leaves it while muted.
        if (self?.muted && this.media && !this.media.mutedLocally) this.media.setLocalMute(true);
        this.set({ room, invited: self?.invited ?? false });
        break;
      }
      case 'roomCounts': {
        // Only the counts moved: everything else of the last state holds.
        const counts = data as unknown as RoomCounts;
        if (this.snap.room) this.set({ room: { ...this.snap.room, listenerCount: counts.listenerCount, guestCount: counts.guestCount, audienceCount: counts.audienceCount } });
        break;
      }
      case 'grant': {
        const was = this.snap.grant?.canPublish;
        const grant = data as unknown as Grant;
        this.set({ grant });
        if (grant.canPublish && !was) {
          this.set({ status: 'You are on stage.', invited: false });
          void this.speak();
        } else if (!grant.canPublish && was) {
          this.media?.stopSpeaking();
          this.set({ status: 'You are back in the audience.' });
        }
        break;
      }
      case 'invited':
        this.set({ invited: true, status: 'A moderator invites you to speak.' });
        break;
      case 'producerAdded':
        void this.media?.consume(String(data.producerId)).catch(() => undefined);
        break;
      case 'producerClosed':
        this.media?.dropConsumer(String(data.producerId));
        break;
      case 'activeSpeaker':
        this.set({ activeSpeaker: typeof data.participantId === 'string' ? data.participantId : null });
        break;
      case 'reconnect':
        this.set({ phase: 'reconnecting', status: 'Reconnecting audio…' });
        void (async () => {
          const grant = (await this.request('refreshGrant')) as unknown as Grant;
          this.set({ grant });
          this.media?.close();
          this.media = new RoomMedia((t, f) => this.request(t, f), () => this.snap.grant?.token ?? '', this.audioSink);
          const { producers } = (await this.request('listProducers', { grant: grant.token })) as { producers: { producerId: string }[] };
          await this.media.start(data.routerRtpCapabilities as types.RtpCapabilities, producers);
          if (grant.canPublish) await this.speak();
          this.set({ phase: 'joined', status: 'Audio reconnected.' });
        })().catch((e: unknown) => this.set({ error: e instanceof Error ? e.message : String(e) }));
        break;
      case 'left': {
        const reason = String(data.reason);
        this.teardown();
        if (reason === 'server_shutdown') {
          this.set({ phase: 'reconnecting', status: leftText(reason) });
          return; // the close that follows reconnects
        }
        this.wantIn = false;
        this.set({ phase: reason === 'left' ? 'left' : 'stopped', status: leftText(reason), room: reason === 'room_ended' ? this.snap.room && { ...this.snap.room, ended: true } : undefined, activeSpeaker: null, invited: false });
        break;
      }
      default:
        break;
    }
  }

  private onClose(ws: WebSocket, code: number): void {
    if (ws !== this.ws) return;
    for (const [, w] of this.pending) w.reject(new SignalError('not_connected', 'The connection closed.'));
    this.pending.clear();
    if (!this.wantIn) return;
    this.teardown();
    const meaning = closeMeaning(code);
    if (meaning.retry === 'never') {
      this.wantIn = false;
      this.set({ phase: 'stopped', status: meaning.text, room: undefined, activeSpeaker: null });
      return;
    }
    if (meaning.retry === 'soon') this.restarting = 0;
    const soon = this.restarting !== undefined && this.restarting < RESTART_TRIES;
    if (soon) this.restarting = (this.restarting ?? 0) + 1;
    const delay = meaning.retry === 'now' ? 0 : meaning.retry === 'slow' ? 30_000
      : soon ? RESTART_RETRY_MS + Math.random() * RESTART_RETRY_MS
      : BACKOFF_MS[Math.min(this.attempts, BACKOFF_MS.length - 1)]!;
    this.attempts++;
    this.set({ phase: 'reconnecting', status: meaning.text });
    setTimeout(() => {
      if (this.wantIn) this.open();
    }, delay);
  }

  close(): void {
    this.wantIn = false;
    this.teardown();
    this.ws?.close(1000);
  }

  inbound() {
    return this.media?.inbound() ?? Promise.resolve({ bytesReceived: 0, totalAudioEnergy: 0, consumers: 0, packetsReceived: 0, packetsLost: 0 });
  }

  outbound() {
    return this.media?.outbound() ?? Promise.resolve({ bytesSent: 0, packetsSent: 0, producing: false, trackEnabled: null });
  }
}
