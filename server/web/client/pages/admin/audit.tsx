/** The audit log: every staff action, newest first, read page by page. */
import { useEffect, useState } from 'preact/hooks';
import { api, messageOf } from '../../api.js';
import { ErrorText } from '../../ui.js';
import type { SectionProps } from './section.js';

interface Entry { id: number; at: string; actor: string; action: string; target: string; reason: string }

const ACTION_TEXT: Record<string, string> = {
  'role.grant': 'gave a role',
  'role.revoke': 'took a role away',
  'domain_block.create': 'blocked a domain',
  'domain_block.update': 'changed a domain block',
  'domain_block.delete': 'lifted a domain block',
  'report.resolve': 'resolved a report',
  'account.suspend': 'suspended an account',
  'account.unsuspend': 'lifted a suspension',
  'room.end': 'ended a room',
  'room.remove_participant': 'removed someone from a room',
  'room.ban_participant': 'banned someone from a room',
  'instance.update': 'changed the instance settings',
  'invite.create': 'made invite codes',
};

export function AuditSection({ version }: Pick<SectionProps, 'version'>) {
  const [entries, setEntries] = useState<Entry[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = (before?: string): void => {
    setError(null);
    api<{ entries: Entry[]; next: string | null }>('GET', `/api/v1/admin/audit-log?limit=50${before ? `&before=${encodeURIComponent(before)}` : ''}`).then((r) => {
      setEntries((old) => (before && old ? [...old, ...r.entries] : r.entries));
      setNext(r.next);
    }, (e: unknown) => setError(messageOf(e)));
  };
  useEffect(() => load(), [version]);
  return (
    <section aria-labelledby="audit-h" class="card">
      <h2 id="audit-h">Audit log</h2>
      <p class="hint">Every action of administrators and moderators, newest first. Entries cannot be changed or deleted.</p>
      <ErrorText error={error} />
      {entries?.length === 0 && <p class="hint">Nothing recorded yet.</p>}
      <ol class="audit" aria-label="Audit log entries">
        {entries?.map((e) => (
          <li key={e.id}>
            <time dateTime={e.at}>{new Date(e.at).toLocaleString()}</time>{' '}
            <strong>{e.actor}</strong> {ACTION_TEXT[e.action] ?? e.action} <code>{e.action}</code>: {e.target}
            {e.reason && <span class="meta"> ({e.reason})</span>}
          </li>
        ))}
      </ol>
      {next && <button type="button" class="secondary" onClick={() => load(next)}>Load older entries</button>}
    </section>
  );
}
