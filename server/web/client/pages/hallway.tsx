/** The hallway: rooms of the hosts you follow (here and elsewhere), this instance's rooms, and starting or scheduling a room. */
import { useEffect, useState } from 'preact/hooks';
import { Link, useLocation } from 'wouter-preact';
import { api, messageOf, type RoomView } from '../api.js';
import { acting, useSession } from '../session.js';
import { Check, ErrorText, Field, Form, Notice, TextArea, useAction, useTitle } from '../ui.js';
import { SignedIn } from './guard.js';

const VISIBILITY: Record<RoomView['visibility'], string> = {
  public: 'Public: anyone, even without an account',
  unlisted: 'Unlisted: anyone with the link',
  followers: 'Followers only',
  invite: 'Invited people only',
};

function when(r: RoomView): string {
  if (r.state === 'live') return `Live · ${r.speakerCount} on stage · ${r.listenerCount} listening`;
  if (r.scheduledFor) return `Scheduled for ${new Date(r.scheduledFor).toLocaleString()}`;
  return r.state;
}

function RoomItem({ room, mine, onChanged }: { room: RoomView; mine: boolean; onChanged: () => void }) {
  const start = useAction(async () => {
    await api('POST', `/api/v1/rooms/${encodeURIComponent(room.id)}/start`);
    onChanged();
  });
  const host = room.host.handle ? `@${room.host.handle.replace(/^@/, '')}` : 'someone';
  return (
    <li class={`card room-card ${room.state}`}>
      <h3>{room.remote ? <a href={room.url}>{room.title}</a> : <Link href={`/rooms/${encodeURIComponent(room.id)}`}>{room.title}</Link>}</h3>
      <p class="meta">{room.state === 'live' && <span class="live-dot" aria-hidden="true" />}{when(room)}</p>
      <p class="hint">Hosted by {room.host.displayName ?? host} ({host}{room.remote ? ` on ${room.origin}` : ''})</p>
      {room.description && <p>{room.description}</p>}
      {room.remote && room.state === 'live' && <p><Link href={`/remote-room?url=${encodeURIComponent(room.id)}`} class="button">Join “{room.title}” here</Link></p>}
      {mine && room.state === 'scheduled' && <button type="button" onClick={() => void start.go()} disabled={start.busy}>Start “{room.title}” now</button>}
      <ErrorText error={start.error} />
    </li>
  );
}

function StartRoom({ onScheduled }: { onScheduled: () => void }) {
  const [, navigate] = useLocation();
  const [title, setTitle] = useState('');
  const [description, setDescription] = useState('');
  const [visibility, setVisibility] = useState<RoomView['visibility']>('public');
  const [later, setLater] = useState(false);
  const [at, setAt] = useState('');
  const [note, setNote] = useState<string | null>(null);
  const create = useAction(async () => {
    if (later && !at) throw new Error('choose when the room starts');
    const scheduledFor = later ? new Date(at).toISOString() : undefined;
    const room = await api<RoomView>('POST', '/api/v1/rooms', { title, ...(description ? { description } : {}), visibility, ...(scheduledFor ? { scheduledFor } : {}) });
    if (room.state === 'live') navigate(`/rooms/${encodeURIComponent(room.id)}`);
    else {
      setNote(`“${room.title}” is scheduled for ${new Date(room.scheduledFor ?? at).toLocaleString()}.`);
      setTitle('');
      setDescription('');
      onScheduled();
    }
  });
  return (
    <section aria-labelledby="start-h" class="card">
      <h2 id="start-h">Start a room</h2>
      <Form onSubmit={() => create.go()} label="Start a room">
        <Field label="Title" value={title} onValue={setTitle} required maxLength={200} />
        <TextArea label="Description (optional)" value={description} onValue={setDescription} />
        <div class="field">
          <label for="visibility">Who may join</label>
          <select id="visibility" value={visibility} onChange={(e) => setVisibility(e.currentTarget.value as RoomView['visibility'])}>
            {Object.entries(VISIBILITY).map(([v, label]) => <option key={v} value={v}>{label}</option>)}
          </select>
        </div>
        <Check label="Schedule it for later" checked={later} onChange={setLater} />
        {later && <Field label="Starts at" type="datetime-local" value={at} onValue={setAt} required />}
        <ErrorText error={create.error} />
        {note && <Notice>{note}</Notice>}
        <button type="submit" disabled={create.busy}>{later ? 'Schedule room' : 'Start room now'}</button>
      </Form>
    </section>
  );
}

export function HallwayPage() {
  const s = useSession();
  useTitle('Hallway', s.instance?.name);
  const me = acting(s);
  const [followed, setFollowed] = useState<RoomView[] | null>(null);
  const [local, setLocal] = useState<RoomView[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = (): void => {
    if (!me) return;
    setError(null);
    api<{ rooms: RoomView[] }>('GET', '/api/v1/hallway?limit=50').then((r) => setFollowed(r.rooms), (e: unknown) => setError(messageOf(e)));
    api<{ rooms: RoomView[] }>('GET', '/api/v1/rooms').then((r) => setLocal(r.rooms.filter((x) => !x.remote)), (e: unknown) => setError(messageOf(e)));
  };
  useEffect(() => {
    load();
    const t = setInterval(load, 15_000);
    return () => clearInterval(t);
  }, [me?.handle]);
  const mine = (r: RoomView): boolean => !r.remote && r.host.handle === me?.handle;
  return (
    <SignedIn title="Hallway" needPersona>
      <main id="main">
        <h1>Hallway</h1>
        <ErrorText error={error} />
        <div class="columns">
          <div>
            <section aria-labelledby="followed-h">
              <h2 id="followed-h">From people you follow</h2>
              {followed === null ? <p>Loading…</p> : followed.length === 0
                ? <p>No live or scheduled rooms from people you follow. <Link href="/people">Follow someone</Link>, here or on another server.</p>
                : <ul class="cards">{followed.map((r) => <RoomItem key={r.id} room={r} mine={mine(r)} onChanged={load} />)}</ul>}
            </section>
            <section aria-labelledby="local-h">
              <h2 id="local-h">On this instance</h2>
              {local === null ? <p>Loading…</p> : local.length === 0
                ? <p>No rooms right now. Start one!</p>
                : <ul class="cards">{local.map((r) => <RoomItem key={r.id} room={r} mine={mine(r)} onChanged={load} />)}</ul>}
            </section>
          </div>
          <StartRoom onScheduled={load} />
        </div>
      </main>
    </SignedIn>
  );
}
