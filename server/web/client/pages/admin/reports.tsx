/** The reports queue: open (or resolved) reports, each resolved with an action and a note. */
import { useEffect, useState } from 'preact/hooks';
import { api, messageOf } from '../../api.js';
import { Check, ErrorText, Field, Form, Notice, Select, useAction } from '../../ui.js';
import type { SectionProps } from './section.js';

type Action = 'dismiss' | 'remove_from_room' | 'suspend_account' | 'block_domain';
interface Report {
  id: string; source: 'local' | 'remote'; reporter: string | null; target: { kind: 'persona' | 'remote_actor' | 'room'; id: string; label: string };
  roomId: string | null; comment: string; createdAt: string; resolution: { action: Action; by: string; at: string; note: string } | null;
}

const ACTION_TEXT: Record<Action, string> = {
  dismiss: 'Dismiss (no action)',
  remove_from_room: 'Remove from the room, and ban',
  suspend_account: 'Suspend the account',
  block_domain: 'Block (suspend) their domain',
};

/** The actions that can apply to this report (the server checks again). */
function actionsFor(r: Report): Action[] {
  const out: Action[] = ['dismiss'];
  if (r.target.kind === 'persona' && r.roomId) out.push('remove_from_room');
  if (r.target.kind !== 'remote_actor') out.push('suspend_account');
  if (r.target.kind === 'remote_actor' || r.source === 'remote') out.push('block_domain');
  return out;
}

function ReportItem({ report, onResolved }: { report: Report; onResolved: (text: string) => void }) {
  const [action, setAction] = useState<Action>('dismiss');
  const [note, setNote] = useState('');
  const label = report.target.label;
  const resolve = useAction(async () => {
    await api('POST', `/api/v1/admin/reports/${encodeURIComponent(report.id)}/resolve`, {
      action, note, ...(action === 'remove_from_room' ? { ban: true } : {}),
    });
    onResolved(`The report about ${label} is resolved: ${ACTION_TEXT[action].toLowerCase()}.`);
  });
  const from = report.source === 'remote' ? `another instance (${report.reporter ?? 'unknown'})` : (report.reporter ?? 'a deleted persona');
  return (
    <li>
      <article class="card" aria-label={`Report about ${label}`}>
        <h3>Report about {label}</h3>
        <p class="meta">From {from}, {new Date(report.createdAt).toLocaleString()}{report.roomId && `, in room ${report.roomId}`}</p>
        <p class="description">{report.comment || <span class="hint">No comment given.</span>}</p>
        {report.resolution ? (
          <p><strong>Resolved</strong> by {report.resolution.by}: {ACTION_TEXT[report.resolution.action]}{report.resolution.note && ` (${report.resolution.note})`}</p>
        ) : (
          <Form onSubmit={() => resolve.go()} label={`Resolve the report about ${label}`}>
            <Select label="Action" value={action} onValue={setAction} options={actionsFor(report).map((a) => [a, ACTION_TEXT[a]] as const)} />
            <Field label="Note (for the audit log)" value={note} onValue={setNote} maxLength={1000} />
            <ErrorText error={resolve.error} />
            <button type="submit" disabled={resolve.busy}>Resolve report about {label}</button>
          </Form>
        )}
      </article>
    </li>
  );
}

export function ReportsSection({ changed, version }: SectionProps) {
  const [resolved, setResolved] = useState(false);
  const [reports, setReports] = useState<Report[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const load = (before?: string): void => {
    setError(null);
    const q = `resolved=${resolved}&limit=25${before ? `&before=${encodeURIComponent(before)}` : ''}`;
    api<{ reports: Report[]; next: string | null }>('GET', `/api/v1/admin/reports?${q}`).then((r) => {
      setReports((old) => (before && old ? [...old, ...r.reports] : r.reports));
      setNext(r.next);
    }, (e: unknown) => setError(messageOf(e)));
  };
  useEffect(() => load(), [version, resolved]);
  return (
    <section aria-labelledby="reports-h" class="card">
      <h2 id="reports-h">Reports</h2>
      <Check label="Show resolved reports instead of open ones" checked={resolved} onChange={setResolved} />
      <ErrorText error={error} />
      {note && <Notice>{note}</Notice>}
      {reports?.length === 0 && <p class="hint">{resolved ? 'No resolved reports.' : 'No open reports. Reports people file (and other instances send) show up here.'}</p>}
      <ul class="cards" aria-label={resolved ? 'Resolved reports' : 'Open reports'}>
        {reports?.map((r) => <ReportItem key={r.id} report={r} onResolved={(text) => {
          setNote(text);
          changed();
        }} />)}
      </ul>
      {next && <button type="button" class="secondary" onClick={() => load(next)}>Load more reports</button>}
    </section>
  );
}
