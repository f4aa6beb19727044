/** Who holds a role; administrators give and take the moderator (or administrator) role by account username. */
import { useEffect, useState } from 'preact/hooks';
import { api, messageOf, type Role } from '../../api.js';
import { refreshSession } from '../../session.js';
import { ErrorText, Field, Form, Notice, Select, useAction } from '../../ui.js';
import type { SectionProps } from './section.js';

interface Staff { username: string; role: Role }
type Choice = Role | 'none';

const ROLE_TEXT: Record<Role, string> = { admin: 'Administrator', moderator: 'Moderator' };
const CHOICES = [['moderator', 'Moderator'], ['admin', 'Administrator'], ['none', 'No role']] as const;

export function RolesSection({ changed, version, admin, me }: SectionProps & { admin: boolean; me: string }) {
  const [staff, setStaff] = useState<Staff[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [note, setNote] = useState<string | null>(null);
  useEffect(() => {
    api<{ staff: Staff[] }>('GET', '/api/v1/admin/staff').then((r) => setStaff(r.staff), (e: unknown) => setError(messageOf(e)));
  }, [version]);

  const setRole = async (username: string, role: Choice): Promise<void> => {
    setNote(null);
    const done = await api<{ username: string; role: Role | null }>('PUT', `/api/v1/admin/accounts/${encodeURIComponent(username)}/role`, { role: role === 'none' ? null : role });
    setNote(done.role ? `${done.username} is now ${done.role === 'admin' ? 'an administrator' : 'a moderator'}.` : `${done.username} has no role now.`);
    // Taking one's own role away changes this page (and the navigation).
    if (done.username === me) await refreshSession();
    changed();
  };
  const [username, setUsername] = useState('');
  const [choice, setChoice] = useState<Choice>('moderator');
  const grant = useAction(async () => {
    await setRole(username.trim().toLowerCase(), choice);
    setUsername('');
  });
  const revoke = (username: string): void => {
    setError(null);
    setRole(username, 'none').catch((e: unknown) => setError(messageOf(e)));
  };

  return (
    <section aria-labelledby="roles-h" class="card">
      <h2 id="roles-h">Roles</h2>
      <p class="hint">Roles belong to accounts (their private usernames), never to personas: nothing anyone sees about a persona shows a role.</p>
      <ErrorText error={error} />
      {note && <Notice>{note}</Notice>}
      <ul class="people" aria-label="Staff">
        {staff?.map((p) => (
          <li key={p.username} class="person">
            <span class="who"><span class="name">{p.username}{p.username === me && ' (you)'}</span><span class="meta">{ROLE_TEXT[p.role]}</span></span>
            {admin && p.role === 'moderator' && (
              <div class="controls"><button type="button" class="secondary" onClick={() => revoke(p.username)}>Take the moderator role from {p.username}</button></div>
            )}
          </li>
        ))}
      </ul>
      {admin && (
        <Form onSubmit={() => grant.go()} label="Set a role">
          <Field label="Account username" value={username} onValue={setUsername} required autoComplete="off" hint="The name the person signs in with (ask them), not a persona handle." />
          <Select label="Role" value={choice} onValue={setChoice} options={CHOICES} />
          <ErrorText error={grant.error} />
          <button type="submit" disabled={grant.busy}>Set role</button>
        </Form>
      )}
    </section>
  );
}
