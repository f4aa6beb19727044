/** The deletion receipt: which instances acknowledged the Delete, and the plain notice that remote copies may remain. */
import { useEffect, useState } from 'preact/hooks';
import { Link } from 'wouter-preact';
import { api, messageOf, type Receipt } from '../api.js';
import { useSession } from '../session.js';
import { ErrorText, useTitle } from '../ui.js';

const STATE: Record<Receipt['instances'][number]['state'], string> = {
  pending: 'Waiting: not yet acknowledged (retried for a while)',
  acknowledged: 'Acknowledged',
  failed: 'Did not acknowledge (gave up after retries)',
};

export function ReceiptPage({ id }: { id: string }) {
  const s = useSession();
  useTitle('Deletion receipt', s.instance?.name);
  const ids = id.split(',').filter(Boolean).slice(0, 100);
  const [receipts, setReceipts] = useState<Receipt[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let stop = false;
    const load = (): void => {
      Promise.all(ids.map((r) => api<Receipt>('GET', `/api/v1/deletions/${encodeURIComponent(r)}`))).then((got) => {
        if (stop) return;
        setReceipts(got);
        // Keep it current while instances are still answering.
        if (got.some((r) => r.instances.some((i) => i.state === 'pending'))) setTimeout(load, 5_000);
      }, (e: unknown) => setError(messageOf(e)));
    };
    load();
    return () => {
      stop = true;
    };
  }, [id]);
  return (
    <main id="main">
      <h1>Deletion receipt</h1>
      <p role="status">Deleted here, at once: the data is gone from this server and the handle is never given out again.</p>
      <p class="warning">Every server that knew about it was asked to delete its copies. Those servers are run by other people: one could keep a copy despite the request. This receipt shows which have confirmed.</p>
      <ErrorText error={error} />
      {receipts?.map((r) => (
        <section key={r.id} class="card" aria-label={`Receipt ${r.id}`}>
          <p class="hint">Receipt {r.id}, {new Date(r.createdAt).toLocaleString()}. Keep this page's address to check later.</p>
          {r.instances.length === 0 ? <p>No other server knew about it: nothing to ask.</p> : (
            <table>
              <caption>Other servers</caption>
              <thead><tr><th scope="col">Server</th><th scope="col">Status</th><th scope="col">Attempts</th></tr></thead>
              <tbody>{r.instances.map((i) => <tr key={i.host}><td>{i.host}</td><td>{STATE[i.state]}</td><td>{i.attempts}</td></tr>)}</tbody>
            </table>
          )}
        </section>
      ))}
      {!receipts && !error && <p>Loading the receipt…</p>}
      <p><Link href={s.me ? '/personas' : '/'}>{s.me ? 'Back to your personas' : 'Back to the start page'}</Link></p>
    </main>
  );
}
