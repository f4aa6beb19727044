/** A room: what it is, joining (or listening privately, or as a guest), your own controls, and everyone in it. */
import { useEffect, useRef, useState } from 'preact/hooks';
import { Link } from 'wouter-preact';
import { api, messageOf, type RoomView } from '../api.js';
import { refreshSession, useSession } from '../session.js';
import { Check, ErrorText, useTitle } from '../ui.js';
import { RoomConnection, type Snapshot } from './connection.js';
import { Invitations } from './invitations.js';
import { nameOf, Participants } from './participants.js';

function hostOf(url: string): string | undefined {
  try {
    return new URL(url).host;
  } catch {
    return undefined;
  }
}

/** Speaking changes for screen readers: at most one announcement every few seconds, never a flood. */
function useSpeakerAnnouncement(snap: Snapshot | undefined): string {
  const [text, setText] = useState('');
  const last = useRef(0);
  useEffect(() => {
    const id = snap?.activeSpeaker;
    if (!id || !snap?.room) return;
    const now = Date.now();
    if (now - last.current < 5_000) return;
    const p = snap.room.stage.find((x) => x.id === id);
    if (!p) return;
    last.current = now;
    setText(`${nameOf(p)} is speaking`);
  }, [snap?.activeSpeaker]);
  return text;
}

function SelfControls({ conn, snap, signedIn, onEnd }: { conn: RoomConnection; snap: Snapshot; signedIn: boolean; onEnd: () => void }) {
  const [confirmEnd, setConfirmEnd] = useState(false);
  const self = conn.self();
  const onStage = snap.room?.stage.some((p) => p.id === snap.me) ?? false;
  const role = self?.role;
  const muted = self?.muted ?? false;
  return (
    <div class="row self-controls">
      {snap.invited && !onStage && (
        <>
          <button type="button" onClick={() => void conn.act('acceptInvite')}>Accept invitation to speak</button>
          <button type="button" class="secondary" onClick={() => void conn.act('declineInvite')}>Decline invitation</button>
        </>
      )}
      {!onStage && signedIn && (
        <button type="button" aria-pressed={snap.room?.handRaised ?? false} onClick={() => void conn.act(snap.room?.handRaised ? 'lowerHand' : 'raiseHand')}>
          {snap.room?.handRaised ? 'Lower hand' : 'Raise hand'}
        </button>
      )}
      {!onStage && !signedIn && <p class="hint">You are listening as a guest. <Link href="/signin">Sign in</Link> to raise your hand.</p>}
      {onStage && (
        <button type="button" aria-pressed={muted} class={muted ? 'muted' : ''} onClick={() => void conn.setMuted(!muted)}>
          {muted ? 'Unmute microphone' : 'Mute microphone'}
        </button>
      )}
      {onStage && role !== 'host' && <button type="button" class="secondary" onClick={() => void conn.act('moveToAudience', { participantId: snap.me })}>Leave the stage</button>}
      <button type="button" class="secondary" onClick={() => void conn.leave()}>Leave</button>
      {(role === 'host' || role === 'moderator') && (confirmEnd ? (
        <>
          <button type="button" class="danger" onClick={() => {
            setConfirmEnd(false);
            void conn.act('endRoom').then((ok) => ok && onEnd());
          }}>Yes, end the room for everyone</button>
          <button type="button" class="secondary" onClick={() => setConfirmEnd(false)}>Cancel</button>
        </>
      ) : <button type="button" class="danger" onClick={() => setConfirmEnd(true)}>End room</button>)}
    </div>
  );
}

/**
 * A room of this instance (`id`), or of another instance (`remote`: the id
 * is the room's URL, joined through this instance's cascade link; the
 * browser still talks only to this instance).
 */
export function RoomPage({ id, remote = false }: { id: string; remote?: boolean }) {
  const s = useSession();
  const [view, setView] = useState<RoomView | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [hidden, setHidden] = useState(false);
  const [snap, setSnap] = useState<Snapshot | undefined>();
  const sink = useRef<HTMLDivElement>(null);
  const conn = useRef<RoomConnection | null>(null);
  useTitle(view?.title ?? 'Room', s.instance?.name);
  const announcement = useSpeakerAnnouncement(snap);

  const loadView = (): void => {
    if (remote) {
      // Rooms of other instances are known from the room list (those this persona may see).
      api<{ rooms: RoomView[] }>('GET', '/api/v1/rooms').then((r) => {
        const found = r.rooms.find((x) => x.remote && x.id === id);
        if (found) setView(found);
        else setLoadError('This room of another instance is not in your hallway (ended, or not visible to this persona).');
      }, (e: unknown) => setLoadError(messageOf(e)));
      return;
    }
    api<RoomView>('GET', `/api/v1/rooms/${encodeURIComponent(id)}`).then(setView, (e: unknown) => setLoadError(messageOf(e)));
  };
  useEffect(() => {
    loadView();
    return () => conn.current?.close();
  }, [id]);
  useEffect(() => {
    if (snap?.room?.ended) loadView();
  }, [snap?.room?.ended]);
  useEffect(() => {
    // Stopped for good (session ended, persona deleted, banned…): the header shows who we are now.
    if (snap?.phase === 'stopped') void refreshSession().catch(() => undefined);
  }, [snap?.phase]);

  const join = (): void => {
    if (!sink.current) return;
    conn.current?.close();
    const c = new RoomConnection(id, sink.current);
    conn.current = c;
    c.subscribe(setSnap);
    (window as unknown as { hearth: unknown }).hearth = {
      audioStats: () => c.inbound(), sendStats: () => c.outbound(), state: () => ({ ...c.snap, producing: c.snap.speaking }),
    };
    c.join(hidden);
  };

  const phase = snap?.phase ?? 'idle';
  const inRoom = phase === 'joined' || phase === 'reconnecting' || phase === 'connecting';
  const myRole = conn.current?.self()?.role;
  return (
    <main id="main" class="room">
      <h1>{view?.title ?? (loadError ? 'Room not available' : 'Room')}</h1>
      {view && <p class="meta">{view.state === 'live' ? 'Live' : view.state === 'ended' ? 'Ended' : `Scheduled for ${new Date(view.scheduledFor ?? '').toLocaleString()}`} · hosted by {view.host.displayName ?? `@${view.host.handle ?? ''}`}{view.remote ? ` on ${view.origin}` : ''}</p>}
      {view?.description && <p class="description">{view.description}</p>}
      <ErrorText error={loadError && !s.me ? `${loadError} If it is not public, sign in first.` : loadError} />
      <p role="status" aria-live="polite" class="status">{snap?.status ?? (view?.state === 'live' ? 'Not connected.' : '')}</p>
      <p class="visually-hidden" aria-live="polite">{announcement}</p>
      <ErrorText error={snap?.error ?? null} />
      {!inRoom && view?.state === 'live' && (
        <div class="row join">
          <button type="button" onClick={join}>{phase === 'idle' ? 'Join and listen' : 'Join again'}</button>
          {s.me && phase === 'idle' && <Check label="Listen privately (not shown in the audience)" checked={hidden} onChange={setHidden} />}
        </div>
      )}
      {!inRoom && phase !== 'idle' && <p><Link href={s.me ? '/hallway' : '/'}>{s.me ? 'Back to the hallway' : 'Back to the start page'}</Link></p>}
      {view?.state === 'scheduled' && <p>This room has not started yet. Come back at the scheduled time.</p>}
      {inRoom && conn.current && snap && (
        <SelfControls conn={conn.current} snap={snap} signedIn={s.me !== null && s.personas.some((p) => p.acting)} onEnd={loadView} />
      )}
      {inRoom && conn.current && snap?.room && (
        <Participants room={snap.room} ctx={{ conn: conn.current, me: snap.me, myRole, activeSpeaker: snap.activeSpeaker, handleHost: remote ? hostOf(id) : undefined }} />
      )}
      {view && view.visibility === 'invite' && myRole === 'host' && <Invitations roomId={id} />}
      <div ref={sink} hidden />
    </main>
  );
}
