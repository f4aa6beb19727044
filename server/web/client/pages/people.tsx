/**
 * People, for the acting persona: follow someone here or on another server
 * by handle, who you follow and who follows you (from the persona's export,
 * which only its owner can read), follow requests to approve or reject,
 * blocking and reporting.
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, messageOf } from '../api.js';
import { acting, useSession } from '../session.js';
import { ErrorText, Field, Form, Notice, TextArea, useAction, useTitle } from '../ui.js';
import { SignedIn } from './guard.js';

interface Lists { followers: string[]; following: string[] }
interface FollowRequest { id: string; actor: string; receivedAt: string }

/** https://host/u/name -> @name@host (a readable guess; the URL is kept as the title). */
function handleOfActor(url: string): string {
  try {
    const u = new URL(url);
    const last = u.pathname.split('/').filter(Boolean).pop() ?? u.pathname;
    return `@${last.replace(/^@/, '')}@${u.host}`;
  } catch {
    return url;
  }
}

const target = (s: string): string => s.trim().replace(/^@/, '');

function ActorItem({ url, children }: { url: string; children?: ComponentChildren }) {
  return <li class="person"><span class="who"><span class="name" title={url}>{handleOfActor(url)}</span></span>{children}</li>;
}

export function PeoplePage() {
  const s = useSession();
  useTitle('People', s.instance?.name);
  const me = acting(s);
  const h = encodeURIComponent(me?.handle ?? '');
  const [lists, setLists] = useState<Lists | null>(null);
  const [requests, setRequests] = useState<FollowRequest[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [note, setNote] = useState<string | null>(null);
  const load = (): void => {
    if (!me) return;
    api<Lists>('GET', `/api/v1/personas/${h}/export`).then(setLists, (e: unknown) => setError(messageOf(e)));
    api<{ requests: FollowRequest[] }>('GET', `/api/v1/personas/${h}/follow-requests`).then((r) => setRequests(r.requests), (e: unknown) => setError(messageOf(e)));
  };
  useEffect(load, [me?.handle]);

  const [followWho, setFollowWho] = useState('');
  const follow = useAction(async () => {
    await api('POST', `/api/v1/personas/${h}/follow`, { target: target(followWho) });
    setNote(`Follow request sent to @${target(followWho)}. It shows under “You follow” once accepted.`);
    setFollowWho('');
    load();
  });
  const [blockWho, setBlockWho] = useState('');
  const block = useAction(async () => {
    await api('POST', `/api/v1/personas/${h}/block`, { target: target(blockWho) });
    setNote(`@${target(blockWho)} is blocked: they cannot follow you or join your rooms.`);
    setBlockWho('');
    load();
  });
  const [reportWho, setReportWho] = useState('');
  const [comment, setComment] = useState('');
  const report = useAction(async () => {
    await api('POST', '/api/v1/reports', { target: target(reportWho), comment });
    setNote(`Report about @${target(reportWho)} sent. Their server is not told who reported.`);
    setReportWho('');
    setComment('');
  });
  const [requestError, setRequestError] = useState<string | null>(null);
  const decide = (r: FollowRequest, approve: boolean): void => {
    setRequestError(null);
    setNote(null);
    api('POST', `/api/v1/personas/${h}/follow-requests/${approve ? 'approve' : 'reject'}`, { id: r.id }).then(() => {
      setNote(approve ? `${handleOfActor(r.actor)} now follows @${me?.handle ?? ''}.` : `You turned down ${handleOfActor(r.actor)}'s follow request.`);
      load();
    }, (e: unknown) => {
      setRequestError(messageOf(e));
      load(); // the list as it is now (a request answered elsewhere is gone)
    });
  };
  const unfollow = (url: string): void => {
    api('POST', `/api/v1/personas/${h}/unfollow`, { target: url }).then(load, (e: unknown) => setError(messageOf(e)));
  };

  return (
    <SignedIn title="People" needPersona>
      <main id="main">
        <h1>People</h1>
        <p>As <strong>@{me?.handle}</strong>. Nobody else sees these lists: other servers only see how many.</p>
        <ErrorText error={error} />
        {note && <Notice>{note}</Notice>}
        <div class="columns">
          <div>
            <section aria-labelledby="follow-h" class="card">
              <h2 id="follow-h">Follow someone</h2>
              <Form onSubmit={() => follow.go()} label="Follow someone">
                <Field label="Their handle" value={followWho} onValue={setFollowWho} required placeholder="@name@server.example"
                  hint="Someone here (@name) or on another server (@name@server.example)." />
                <ErrorText error={follow.error} />
                <button type="submit" disabled={follow.busy}>Follow</button>
              </Form>
            </section>
            <section aria-labelledby="requests-h">
              <h2 id="requests-h">Follow requests ({requests.length})</h2>
              <ErrorText error={requestError} />
              {requests.length === 0 ? <p class="hint">{me?.approveFollowers ? 'No one is waiting.' : 'Anyone may follow this persona; turn on approval under Personas to review requests.'}</p> : (
                <ul class="people">{requests.map((r) => (
                  <ActorItem key={r.id} url={r.actor}>
                    <button type="button" onClick={() => decide(r, true)}>Approve {handleOfActor(r.actor)}</button>
                    <button type="button" class="secondary" onClick={() => decide(r, false)}>Reject {handleOfActor(r.actor)}</button>
                  </ActorItem>
                ))}</ul>
              )}
            </section>
            <section aria-labelledby="following-h">
              <h2 id="following-h">You follow ({lists?.following.length ?? '…'})</h2>
              <ul class="people">{lists?.following.map((u) => (
                <ActorItem key={u} url={u}><button type="button" class="secondary" onClick={() => unfollow(u)}>Unfollow {handleOfActor(u)}</button></ActorItem>
              ))}</ul>
            </section>
            <section aria-labelledby="followers-h">
              <h2 id="followers-h">Your followers ({lists?.followers.length ?? '…'})</h2>
              <ul class="people">{lists?.followers.map((u) => <ActorItem key={u} url={u} />)}</ul>
            </section>
          </div>
          <div>
            <section aria-labelledby="block-h" class="card">
              <h2 id="block-h">Block</h2>
              <Form onSubmit={() => block.go()} label="Block someone">
                <Field label="Handle to block" value={blockWho} onValue={setBlockWho} required placeholder="@name@server.example" />
                <ErrorText error={block.error} />
                <button type="submit" class="danger" disabled={block.busy}>Block</button>
              </Form>
            </section>
            <section aria-labelledby="report-h" class="card">
              <h2 id="report-h">Report</h2>
              <Form onSubmit={() => report.go()} label="Report someone">
                <Field label="Handle to report" value={reportWho} onValue={setReportWho} required placeholder="@name@server.example" />
                <TextArea label="What happened (optional)" value={comment} onValue={setComment} />
                <ErrorText error={report.error} />
                <button type="submit" disabled={report.busy}>Send report</button>
              </Form>
            </section>
          </div>
        </div>
      </main>
    </SignedIn>
  );
}
