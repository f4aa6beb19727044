/**
 * The browser client: one Preact app, routed by wouter, rendered into the
 * shell page the server sends for every page path (server/web/page.ts).
 * Talks only to this server's documented HTTP API and signaling WebSocket.
 */
import './app.css';
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { Link, Redirect, Route, Switch, useLocation, useSearch } from 'wouter-preact';
import { api, messageOf } from './api.js';
import { AdminPage } from './pages/admin/admin-page.js';
import { HallwayPage } from './pages/hallway.js';
import { LandingPage, RecoverPage, SignInPage } from './pages/landing.js';
import { PeoplePage } from './pages/people.js';
import { PersonasPage } from './pages/personas.js';
import { ReceiptPage } from './pages/receipt.js';
import { WelcomePage } from './pages/welcome.js';
import { RoomPage } from './room/room-page.js';
import { refreshSession, signedOut, useSession } from './session.js';
import { ErrorText } from './ui.js';

function PersonaSwitcher() {
  const s = useSession();
  const [error, setError] = useState<string | null>(null);
  const current = s.personas.find((p) => p.acting);
  if (s.personas.length === 0) return <Link href="/personas" class="persona-pill">No persona yet: create one</Link>;
  return (
    <div class="switcher">
      <label for="acting-persona">Acting as</label>
      <select id="acting-persona" value={current?.handle ?? ''} onChange={(e) => {
        const handle = e.currentTarget.value;
        setError(null);
        api('POST', `/api/v1/personas/${encodeURIComponent(handle)}/act`).then(() => refreshSession()).catch((err: unknown) => setError(messageOf(err)));
      }}>
        {!current && <option value="">(choose a persona)</option>}
        {s.personas.map((p) => <option key={p.handle} value={p.handle}>{p.displayName} (@{p.handle})</option>)}
      </select>
      <ErrorText error={error} />
    </div>
  );
}

function Header() {
  const s = useSession();
  const [, navigate] = useLocation();
  return (
    <header class="top">
      <Link href={s.me ? '/hallway' : '/'} class="brand">{s.instance?.name ?? 'Hearth'}</Link>
      {s.me ? (
        <>
          <nav aria-label="Main">
            <Link href="/hallway">Hallway</Link>
            <Link href="/people">People</Link>
            <Link href="/personas">Personas</Link>
            {s.me.role && <Link href="/admin">{s.me.role === 'admin' ? 'Admin' : 'Moderation'}</Link>}
          </nav>
          <PersonaSwitcher />
          <button type="button" class="link" onClick={() => {
            void api('DELETE', '/api/v1/sessions/current').catch(() => undefined).then(() => {
              signedOut();
              navigate('/');
            });
          }}>Sign out</button>
        </>
      ) : (
        <nav aria-label="Main">
          <Link href="/signin">Sign in</Link>
          <Link href="/">Sign up</Link>
        </nav>
      )}
    </header>
  );
}

function NotFound() {
  return (
    <main id="main">
      <h1>Page not found</h1>
      <p>There is nothing at this address. <Link href="/">Go to the start page</Link>.</p>
    </main>
  );
}

/** A room of another instance, by its URL (`/remote-room?url=…`), joined through this instance. */
function RemoteRoomRoute() {
  const url = new URLSearchParams(useSearch()).get('url') ?? '';
  return <RoomPage key={url} id={url} remote />;
}

function App() {
  const s = useSession();
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    refreshSession().catch((e: unknown) => setError(messageOf(e)));
  }, []);
  if (!s.loaded) {
    return <main id="main"><h1>Loading…</h1><ErrorText error={error} /></main>;
  }
  return (
    <>
      <a class="skip" href="#main">Skip to content</a>
      <Header />
      <Switch>
        <Route path="/">{s.me ? <Redirect to="/hallway" /> : <LandingPage />}</Route>
        <Route path="/signup">{s.me ? <Redirect to="/hallway" /> : <LandingPage />}</Route>
        <Route path="/signin" component={SignInPage} />
        <Route path="/recover" component={RecoverPage} />
        <Route path="/welcome" component={WelcomePage} />
        <Route path="/personas" component={PersonasPage} />
        <Route path="/hallway" component={HallwayPage} />
        <Route path="/people" component={PeoplePage} />
        <Route path="/admin" component={AdminPage} />
        <Route path="/deletions/:id">{(p) => <ReceiptPage id={p.id} />}</Route>
        <Route path="/remote-room">{() => <RemoteRoomRoute />}</Route>
        <Route path="/rooms/:id">{(p) => <RoomPage id={p.id} />}</Route>
        <Route component={NotFound} />
      </Switch>
    </>
  );
}

const root = document.getElementById('app');
if (root) {
  root.replaceChildren();
  render(<App />, root);
}
