/** Domain blocks: block a remote instance (suspend or limit), change a block's level, lift it. */
import { useEffect, useState } from 'preact/hooks';
import { api, messageOf } from '../../api.js';
import { ErrorText, Field, Form, Notice, Select, useAction } from '../../ui.js';
import type { SectionProps } from './section.js';

type Level = 'suspend' | 'limit';
interface Block { domain: string; level: Level; reason: string; publicComment: string; createdAt: string }

const LEVELS = [
  ['suspend', 'Suspend: nothing in or out'],
  ['limit', 'Limit: follows need approval, not on stage'],
] as const;

export function DomainBlocksSection({ changed, version }: SectionProps) {
  const [blocks, setBlocks] = useState<Block[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const load = (): void => {
    api<{ domainBlocks: Block[] }>('GET', '/api/v1/admin/domain-blocks').then((r) => setBlocks(r.domainBlocks), (e: unknown) => setError(messageOf(e)));
  };
  useEffect(load, [version]);

  const [domain, setDomain] = useState('');
  const [level, setLevel] = useState<Level>('suspend');
  const [reason, setReason] = useState('');
  const [publicComment, setPublicComment] = useState('');
  const add = useAction(async () => {
    setNote(null);
    const made = await api<Block>('POST', '/api/v1/admin/domain-blocks', { domain: domain.trim(), level, reason, publicComment });
    setNote(`${made.domain} is ${made.level === 'suspend' ? 'suspended' : 'limited'}.`);
    setDomain('');
    setReason('');
    setPublicComment('');
    changed();
  });
  const act = (run: () => Promise<unknown>, done: string): void => {
    setError(null);
    setNote(null);
    run().then(() => {
      setNote(done);
      changed();
    }, (e: unknown) => setError(messageOf(e)));
  };

  return (
    <section aria-labelledby="blocks-h" class="card">
      <h2 id="blocks-h">Domain blocks</h2>
      <Form onSubmit={() => add.go()} label="Block a domain">
        <Field label="Domain to block" value={domain} onValue={setDomain} required placeholder="spam.example"
          hint="A block covers the domain and all its subdomains. Suspending removes what this instance stored from it (people, follows, rooms), and its people leave live rooms at once." />
        <Select label="Level" value={level} onValue={setLevel} options={LEVELS} />
        <Field label="Private reason (for moderators)" value={reason} onValue={setReason} maxLength={1000} />
        <Field label="Public comment (optional)" value={publicComment} onValue={setPublicComment} maxLength={500} />
        <ErrorText error={add.error} />
        <button type="submit" class="danger" disabled={add.busy}>Block domain</button>
      </Form>
      <ErrorText error={error} />
      {note && <Notice>{note}</Notice>}
      <h3>Blocked now ({blocks?.length ?? '…'})</h3>
      {blocks?.length === 0 && <p class="hint">No domain is blocked.</p>}
      <ul class="people" aria-label="Blocked domains">
        {blocks?.map((b) => {
          const other: Level = b.level === 'suspend' ? 'limit' : 'suspend';
          const path = `/api/v1/admin/domain-blocks/${encodeURIComponent(b.domain)}`;
          return (
            <li key={b.domain} class="person">
              <span class="who">
                <span class="name">{b.domain}</span>
                <span class="meta">{b.level === 'suspend' ? 'Suspended' : 'Limited'} since {new Date(b.createdAt).toLocaleDateString()}{b.reason && `: ${b.reason}`}</span>
              </span>
              <div class="controls">
                <button type="button" class="secondary" onClick={() => act(() => api('PATCH', path, { level: other }), `${b.domain} is now ${other === 'suspend' ? 'suspended' : 'limited'}.`)}>
                  {other === 'suspend' ? 'Suspend' : 'Limit'} {b.domain} instead
                </button>
                <button type="button" class="secondary" onClick={() => act(() => api('DELETE', path, {}), `${b.domain} is no longer blocked. What was removed stays removed.`)}>
                  Unblock {b.domain}
                </button>
              </div>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
