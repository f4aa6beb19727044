/** The instance's settings (name, description, rules, registration mode) and invite codes, for administrators. */
import { useEffect, useState } from 'preact/hooks';
import { api, messageOf, type InstanceInfo } from '../../api.js';
import { refreshSession } from '../../session.js';
import { Check, ErrorText, Field, Form, Notice, TextArea, useAction } from '../../ui.js';
import type { SectionProps } from './section.js';

type Registration = InstanceInfo['registration'];
interface Settings { name: string; description: string; rules: string[]; registration: Registration; showDomainBlocks: boolean }

const MODES: [Registration, string, string][] = [
  ['open', 'Open', 'anyone may create an account'],
  ['invite', 'By invitation', 'an invite code is needed'],
  ['closed', 'Closed', 'nobody may create an account'],
];

export function InstanceSection({ changed }: SectionProps) {
  const [loaded, setLoaded] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [rules, setRules] = useState('');
  const [registration, setRegistration] = useState<Registration>('open');
  const [showBlocks, setShowBlocks] = useState(false);
  const [saved, setSaved] = useState<Settings | null>(null);
  const apply = (v: Settings): void => {
    setSaved(v);
    setName(v.name);
    setDescription(v.description);
    setRules(v.rules.join('\n'));
    setRegistration(v.registration);
    setShowBlocks(v.showDomainBlocks);
    setLoaded(true);
  };
  useEffect(() => {
    api<Settings>('GET', '/api/v1/admin/instance').then(apply, (e: unknown) => setError(messageOf(e)));
  }, []);
  const save = useAction(async () => {
    setNote(null);
    const next: Settings = { name: name.trim(), description, rules: rules.split('\n').map((r) => r.trim()).filter(Boolean), registration, showDomainBlocks: showBlocks };
    // Only what changed: a setting never changed here keeps following the server's configuration.
    const body = Object.fromEntries(Object.entries(next).filter(([k, v]) => JSON.stringify(v) !== JSON.stringify(saved?.[k as keyof Settings])));
    if (Object.keys(body).length === 0) {
      setNote('Nothing to save: no setting was changed.');
      return;
    }
    apply(await api<Settings>('PATCH', '/api/v1/admin/instance', body));
    setNote('Settings saved. The start page shows them now.');
    await refreshSession({ instance: true });
    changed();
  });
  return (
    <section aria-labelledby="instance-h" class="card">
      <h2 id="instance-h">Instance and registration</h2>
      <ErrorText error={error} />
      {loaded && (
        <Form onSubmit={() => save.go()} label="Instance settings">
          <Field label="Name" value={name} onValue={setName} required maxLength={100} />
          <TextArea label="Description" value={description} onValue={setDescription} />
          <TextArea label="Rules (one per line)" value={rules} onValue={setRules} rows={4} hint="Shown on the start page, numbered, to everyone who signs up." />
          <fieldset>
            <legend>Who may create an account</legend>
            {MODES.map(([mode, label, hint]) => (
              <label class="check" key={mode}>
                <input type="radio" name="registration" value={mode} checked={registration === mode} onChange={() => setRegistration(mode)} />
                {label}: {hint}
              </label>
            ))}
          </fieldset>
          <Check label="Publish the list of blocked domains" checked={showBlocks} onChange={setShowBlocks} />
          <ErrorText error={save.error} />
          {note && <Notice>{note}</Notice>}
          <button type="submit" disabled={save.busy}>Save settings</button>
        </Form>
      )}
    </section>
  );
}

export function InvitesSection({ changed }: SectionProps) {
  const [count, setCount] = useState('1');
  const [codes, setCodes] = useState<string[] | null>(null);
  const [copied, setCopied] = useState<string | null>(null);
  const make = useAction(async () => {
    setCodes(null);
    setCopied(null);
    const n = Number(count);
    const { inviteCodes } = await api<{ inviteCodes: string[] }>('POST', '/api/v1/admin/invites', { count: Number.isInteger(n) ? n : 0 });
    setCodes(inviteCodes);
    changed();
  });
  return (
    <section aria-labelledby="invites-h" class="card">
      <h2 id="invites-h">Invites</h2>
      <p class="hint">Each code creates one account while registration is by invitation. Nothing records who used which code.</p>
      <Form onSubmit={() => make.go()} label="Create invite codes">
        <Field label="How many codes" type="number" min={1} max={100} value={count} onValue={setCount} required />
        <ErrorText error={make.error} />
        <button type="submit" disabled={make.busy}>Create invite codes</button>
      </Form>
      {codes && (
        <>
          <p class="warning" role="note"><strong>Shown only this once:</strong> this instance keeps only a fingerprint of each code. Copy them now and hand each to one person.</p>
          <ul class="codes" aria-label="New invite codes">{codes.map((c) => <li key={c}><code>{c}</code></li>)}</ul>
          {typeof navigator.clipboard?.writeText === 'function' && (
            <button type="button" class="secondary" onClick={() => {
              navigator.clipboard.writeText(codes.join('\n')).then(() => setCopied('Copied to the clipboard.'), () => setCopied('Copying is not allowed here: select the codes and copy them.'));
            }}>Copy invite codes</button>
          )}
          {copied && <p role="status">{copied}</p>}
        </>
      )}
    </section>
  );
}
