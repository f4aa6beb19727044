/** The stage, the hand queue and the audience, with the host's and moderators' controls on each person. */
import { useState } from 'preact/hooks';
import { displayHandle } from '../ui.js';
import type { RoomConnection } from './connection.js';
import type { Person, RoomState } from './protocol.js';

const ROLE: Record<Person['role'], string> = { host: 'Host', moderator: 'Moderator', speaker: 'Speaker', listener: 'Listener' };

export const nameOf = (p: Person | undefined): string => p?.displayName ?? (p?.handle ? displayHandle(p.handle, undefined) : 'Someone');

interface Ctx {
  conn: RoomConnection;
  me: string;
  myRole: Person['role'] | undefined;
  activeSpeaker: string | null;
  /** The host instance of a room of another instance: its own participants' handles get it (full handles). */
  handleHost?: string | undefined;
}

function Controls({ p, ctx, onStage }: { p: Person; ctx: Ctx; onStage: boolean }) {
  const [confirmBan, setConfirmBan] = useState(false);
  const moderates = ctx.myRole === 'host' || ctx.myRole === 'moderator';
  if (!moderates || p.id === ctx.me || p.role === 'host') return null;
  const name = nameOf(p);
  const act = (type: string) => () => void ctx.conn.act(type, { participantId: p.id });
  return (
    <div class="controls" role="group" aria-label={`Manage ${name}`}>
      {onStage ? (
        <>
          {!p.muted && <button type="button" onClick={act('mute')}>Mute {name}</button>}
          {p.mutedByModerator && <button type="button" onClick={act('allowUnmute')}>Allow {name} to unmute</button>}
          <button type="button" onClick={act('moveToAudience')}>Move {name} to the audience</button>
          {p.role === 'speaker' && <button type="button" onClick={act('promote')}>Make {name} a moderator</button>}
          {p.role === 'moderator' && ctx.myRole === 'host' && <button type="button" onClick={act('demote')}>Make {name} a speaker</button>}
        </>
      ) : p.invited ? <span class="badge">Invited</span> : <button type="button" onClick={act('invite')}>Invite {name} to speak</button>}
      <button type="button" class="secondary" onClick={act('remove')}>Remove {name}</button>
      {confirmBan ? (
        <>
          <button type="button" class="danger" onClick={() => {
            setConfirmBan(false);
            void ctx.conn.act('ban', { participantId: p.id });
          }}>Yes, ban {name}</button>
          <button type="button" class="secondary" onClick={() => setConfirmBan(false)}>Cancel</button>
        </>
      ) : <button type="button" class="danger" onClick={() => setConfirmBan(true)}>Ban {name}</button>}
    </div>
  );
}

function PersonRow({ p, ctx, onStage }: { p: Person; ctx: Ctx; onStage: boolean }) {
  const speaking = onStage && ctx.activeSpeaker === p.id && !p.muted;
  return (
    <li class={`person${speaking ? ' is-speaking' : ''}`}>
      <span class="avatar" aria-hidden="true">{nameOf(p).slice(0, 1).toUpperCase()}</span>
      <span class="who">
        <span class="name">{nameOf(p)}{p.id === ctx.me && ' (you)'}</span>
        {p.handle && <span class="handle">{displayHandle(p.handle, ctx.handleHost)}</span>}
      </span>
      {onStage && <span class="badge">{ROLE[p.role]}</span>}
      {onStage && p.muted && <span class="badge muted">{p.mutedByModerator ? 'Muted by a moderator' : 'Muted'}</span>}
      {speaking && <span class="badge speaking">Speaking</span>}
      <Controls p={p} ctx={ctx} onStage={onStage} />
    </li>
  );
}

/** The audience past the head a room state lists, fetched a page at a time when asked for. */
function MoreAudience({ room, ctx }: { room: RoomState; ctx: Ctx }) {
  const [more, setMore] = useState<Person[]>([]);
  const [busy, setBusy] = useState(false);
  const total = room.audienceCount ?? room.audience.length;
  const shown = room.audience.length + more.length;
  if (shown >= total) return more.length > 0 ? <ul class="people">{more.map((p) => <PersonRow key={p.id} p={p} ctx={ctx} onStage={false} />)}</ul> : null;
  const load = (): void => {
    setBusy(true);
    ctx.conn.audiencePage(shown)
      .then((page) => setMore([...more, ...page.audience.filter((p) => !room.audience.some((a) => a.id === p.id) && !more.some((m) => m.id === p.id))]))
      .catch(() => undefined)
      .finally(() => setBusy(false));
  };
  return (
    <>
      <ul class="people">{more.map((p) => <PersonRow key={p.id} p={p} ctx={ctx} onStage={false} />)}</ul>
      <button type="button" class="secondary" disabled={busy} onClick={load}>Show more of the audience ({total - shown} more)</button>
    </>
  );
}

export function Participants({ room, ctx }: { room: RoomState; ctx: Ctx }) {
  const everyone = new Map([...room.stage, ...room.audience, ...(room.raisedHands ?? [])].map((p) => [p.id, p]));
  const moderates = ctx.myRole === 'host' || ctx.myRole === 'moderator';
  const hidden = room.listenerCount - (room.audienceCount ?? room.audience.length);
  const handCount = room.handCount ?? room.hands.length;
  return (
    <>
      <section aria-labelledby="stage-h" class="stage">
        <h2 id="stage-h">On stage ({room.stage.length})</h2>
        <ul class="people">{room.stage.map((p) => <PersonRow key={p.id} p={p} ctx={ctx} onStage />)}</ul>
      </section>
      {moderates && (
        <section aria-labelledby="hands-h">
          <h2 id="hands-h">Raised hands ({handCount})</h2>
          {room.hands.length === 0 ? <p class="hint">No hands raised.</p> : (
            <ol class="people">
              {room.hands.map((id) => {
                const p = everyone.get(id);
                const name = p ? nameOf(p) : 'A hidden listener';
                return (
                  <li key={id} class="person">
                    <span class="who"><span class="name">{name}</span></span>
                    {p?.invited ? <span class="badge">Invited</span> : <button type="button" onClick={() => void ctx.conn.act('invite', { participantId: id })}>Invite {name} to speak</button>}
                  </li>
                );
              })}
            </ol>
          )}
        </section>
      )}
      <section aria-labelledby="audience-h">
        <h2 id="audience-h">Audience</h2>
        <p class="counts">{room.listenerCount} listening{hidden > 0 && ` (${hidden} not shown${room.guestCount ? `, ${room.guestCount} of them guests` : ''})`}</p>
        <ul class="people">{room.audience.map((p) => <PersonRow key={p.id} p={p} ctx={ctx} onStage={false} />)}</ul>
        <MoreAudience room={room} ctx={ctx} />
      </section>
    </>
  );
}
