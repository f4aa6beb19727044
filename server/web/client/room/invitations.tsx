/** Invitations of an invite-only room, for its host: list, invite a persona of this instance, revoke. */
import { useEffect, useState } from 'preact/hooks';
import { api, messageOf } from '../api.js';
import { ErrorText, Field, Form, useAction } from '../ui.js';

interface Invitation { handle: string; invitedAt: string }

export function Invitations({ roomId }: { roomId: string }) {
  const base = `/api/v1/rooms/${encodeURIComponent(roomId)}/invitations`;
  const [list, setList] = useState<Invitation[]>([]);
  const [handle, setHandle] = useState('');
  const [error, setError] = useState<string | null>(null);
  const load = (): void => {
    api<{ invitations: Invitation[] }>('GET', base).then((r) => setList(r.invitations), (e: unknown) => setError(messageOf(e)));
  };
  useEffect(load, [roomId]);
  const add = useAction(async () => {
    await api('POST', base, { handle: handle.replace(/^@/, '') });
    setHandle('');
    load();
  });
  return (
    <section aria-labelledby="inv-h" class="card">
      <h2 id="inv-h">Invitations</h2>
      <p class="hint">Only invited personas of this instance can see and join this room.</p>
      <ErrorText error={error} />
      <ul>{list.map((i) => (
        <li key={i.handle}>@{i.handle} <button type="button" class="secondary" onClick={() => {
          api('DELETE', `${base}/${encodeURIComponent(i.handle)}`).then(load, (e: unknown) => setError(messageOf(e)));
        }}>Revoke @{i.handle}</button></li>
      ))}</ul>
      <Form onSubmit={() => add.go()} label="Invite a persona">
        <Field label="Handle to invite" value={handle} onValue={setHandle} required />
        <ErrorText error={add.error} />
        <button type="submit" disabled={add.busy}>Invite</button>
      </Form>
    </section>
  );
}
