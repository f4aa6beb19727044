/** Personas: create, edit, act as, export, delete; and deleting the whole account. */
import { useState } from 'preact/hooks';
import { useLocation } from 'wouter-preact';
import { api, type DeletionReport, type Persona } from '../api.js';
import { refreshSession, signedOut, useSession } from '../session.js';
import { Check, ErrorText, Field, Form, Notice, TextArea, useAction, useTitle } from '../ui.js';
import { SignedIn } from './guard.js';

const receiptPath = (r: DeletionReport): string => `/deletions/${r.receipts.map((x) => x.receiptId).join(',')}`;

function EditPersona({ persona, onDone }: { persona: Persona; onDone: () => void }) {
  const [displayName, setDisplayName] = useState(persona.displayName);
  const [summary, setSummary] = useState(persona.summary);
  const [approveFollowers, setApprove] = useState(persona.approveFollowers);
  const [discoverable, setDiscoverable] = useState(persona.discoverable);
  const save = useAction(async () => {
    await api('PATCH', `/api/v1/personas/${encodeURIComponent(persona.handle)}`, { displayName, summary, approveFollowers, discoverable });
    await refreshSession();
    onDone();
  });
  return (
    <Form onSubmit={() => save.go()} label={`Edit @${persona.handle}`}>
      <Field label="Display name" value={displayName} onValue={setDisplayName} required maxLength={100} />
      <TextArea label="About" value={summary} onValue={setSummary} />
      <Check label="Approve each new follower myself" checked={approveFollowers} onChange={setApprove} />
      <Check label="List me in this instance's directory and search" checked={discoverable} onChange={setDiscoverable} />
      <ErrorText error={save.error} />
      <div class="row">
        <button type="submit" disabled={save.busy}>Save</button>
        <button type="button" class="secondary" onClick={onDone}>Cancel</button>
      </div>
    </Form>
  );
}

function DeleteWithPassword({ what, confirm, run }: { what: string; confirm: string; run: (password: string) => Promise<void> }) {
  const [open, setOpen] = useState(false);
  const [password, setPassword] = useState('');
  const del = useAction(() => run(password));
  if (!open) return <button type="button" class="danger" onClick={() => setOpen(true)}>{what}</button>;
  return (
    <Form onSubmit={() => del.go()} label={what}>
      <p class="warning">{confirm}</p>
      <Field label="Your password, to confirm" type="password" value={password} onValue={setPassword} autoComplete="current-password" required />
      <ErrorText error={del.error} />
      <div class="row">
        <button type="submit" class="danger" disabled={del.busy}>{what}: yes, delete</button>
        <button type="button" class="secondary" onClick={() => setOpen(false)}>Keep it</button>
      </div>
    </Form>
  );
}

function PersonaCard({ persona }: { persona: Persona }) {
  const [, navigate] = useLocation();
  const [editing, setEditing] = useState(false);
  const act = useAction(async () => {
    await api('POST', `/api/v1/personas/${encodeURIComponent(persona.handle)}/act`);
    await refreshSession();
  });
  const h = encodeURIComponent(persona.handle);
  return (
    <li class="card">
      <h3>{persona.displayName} <span class="handle">@{persona.handle}</span>{persona.acting && <span class="badge">acting</span>}</h3>
      {persona.summary && <p>{persona.summary}</p>}
      <p class="hint">{persona.approveFollowers ? 'You approve each follower.' : 'Anyone may follow.'} {persona.discoverable ? 'Listed in the directory.' : 'Not listed in the directory.'}</p>
      {editing ? <EditPersona persona={persona} onDone={() => setEditing(false)} /> : (
        <div class="row">
          {!persona.acting && <button type="button" onClick={() => void act.go()} disabled={act.busy}>Act as @{persona.handle}</button>}
          <button type="button" class="secondary" onClick={() => setEditing(true)}>Edit @{persona.handle}</button>
          <a class="button secondary" href={`/api/v1/personas/${h}/export`} download={`${persona.handle}-export.json`}>Export @{persona.handle}</a>
        </div>
      )}
      <ErrorText error={act.error} />
      <DeleteWithPassword what={`Delete @${persona.handle}`}
        confirm={`Deleting @${persona.handle} cannot be undone: its followers, rooms and posts go, its handle is never given out again, and other servers are asked to delete their copies.`}
        run={async (password) => {
          const report = await api<DeletionReport>('DELETE', `/api/v1/personas/${h}`, { password });
          await refreshSession();
          navigate(receiptPath(report));
        }} />
    </li>
  );
}

function CreatePersona() {
  const s = useSession();
  const [handle, setHandle] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [created, setCreated] = useState<string | null>(null);
  const create = useAction(async () => {
    const p = await api<Persona>('POST', '/api/v1/personas', { handle: handle.replace(/^@/, ''), displayName });
    await refreshSession();
    setCreated(`Created @${p.handle}.`);
    setHandle('');
    setDisplayName('');
  });
  return (
    <section aria-labelledby="create-h" class="card">
      <h2 id="create-h">{s.personas.length === 0 ? 'Create your first persona' : 'Create a persona'}</h2>
      <p class="hint">A persona is how people see you: its own handle, its own followers. Nothing links two personas of one account.
        {s.instance && ` Up to ${s.instance.maxPersonas} per account.`}</p>
      <Form onSubmit={() => create.go()} label="Create a persona">
        <Field label="Handle" value={handle} onValue={setHandle} required maxLength={30} autoComplete="off"
          hint={`Lowercase letters, digits and underscores; people will find you as @handle@${s.instance?.host ?? 'this-server'}.`} />
        <Field label="Display name" value={displayName} onValue={setDisplayName} required maxLength={100} />
        <ErrorText error={create.error} />
        {created && <Notice>{created}</Notice>}
        <button type="submit" disabled={create.busy}>Create persona</button>
      </Form>
    </section>
  );
}

export function PersonasPage() {
  const s = useSession();
  const [, navigate] = useLocation();
  useTitle('Personas', s.instance?.name);
  return (
    <SignedIn title="Personas">
      <main id="main">
        <h1>Your personas</h1>
        <p>Signed in as <strong>{s.me?.username}</strong> (private; nobody else sees it).{s.me && s.me.recoveryCodesLeft < 3 && ` Only ${s.me.recoveryCodesLeft} recovery codes left.`}</p>
        {s.personas.length === 0 ? <p>You have no persona yet.</p> : <ul class="cards">{s.personas.map((p) => <PersonaCard key={p.handle} persona={p} />)}</ul>}
        <CreatePersona />
        <section aria-labelledby="account-h" class="card danger-zone">
          <h2 id="account-h">Delete the whole account</h2>
          <p>Deletes every persona of this account and the account itself, at once.</p>
          <DeleteWithPassword what="Delete my account"
            confirm="This deletes your account and all its personas for good. Other servers are asked to delete their copies."
            run={async (password) => {
              const report = await api<DeletionReport>('DELETE', '/api/v1/accounts/me', { password });
              signedOut();
              navigate(receiptPath(report));
            }} />
        </section>
      </main>
    </SignedIn>
  );
}
