/** The landing page (the instance, sign up), sign in, and recovery with a one-time code. */
import { useState } from 'preact/hooks';
import { Link, useLocation } from 'wouter-preact';
import { api } from '../api.js';
import { refreshSession, useSession } from '../session.js';
import { ErrorText, Field, Form, Notice, useAction, useTitle } from '../ui.js';
import { setFreshRecoveryCodes } from './welcome.js';

export function LandingPage() {
  const s = useSession();
  const info = s.instance;
  useTitle('Welcome', info?.name);
  const [, navigate] = useLocation();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [invite, setInvite] = useState('');
  const signup = useAction(async () => {
    const body = { username, password, ...(info?.registration === 'invite' ? { inviteCode: invite } : {}) };
    const { recoveryCodes } = await api<{ recoveryCodes: string[] }>('POST', '/api/v1/accounts', body);
    setFreshRecoveryCodes(recoveryCodes);
    await refreshSession();
    navigate('/welcome');
  });
  return (
    <main id="main">
      <h1>{info?.name ?? 'Hearth'}</h1>
      <p class="lead">Live audio rooms: speakers on a stage, listeners in the audience, across servers that talk to each other.</p>
      {info?.description && <p>{info.description}</p>}
      {info && info.rules.length > 0 && (
        <section aria-labelledby="rules-h">
          <h2 id="rules-h">Rules of this instance</h2>
          <ol>{info.rules.map((r) => <li key={r}>{r}</li>)}</ol>
        </section>
      )}
      <div class="columns">
        <section aria-labelledby="signup-h" class="card">
          <h2 id="signup-h">Create an account</h2>
          {info?.registration === 'closed' ? (
            <p>Registration is closed on this instance.</p>
          ) : (
            <Form onSubmit={() => signup.go()} label="Create an account">
              <p class="hint">No phone number, no e-mail. Your username is private: only you use it to sign in. People see your personas.</p>
              <Field label="Username" value={username} onValue={setUsername} autoComplete="username" required minLength={3} maxLength={32}
                hint="3 to 32 characters: letters, digits, “_”, “.” or “-”." />
              <Field label="Password" type="password" value={password} onValue={setPassword} autoComplete="new-password" required minLength={10}
                hint="At least 10 characters." />
              {info?.registration === 'invite' && <Field label="Invite code" value={invite} onValue={setInvite} required hint="This instance registers by invitation." />}
              <ErrorText error={signup.error} />
              <button type="submit" disabled={signup.busy}>Create account</button>
            </Form>
          )}
        </section>
        <section aria-labelledby="signin-h" class="card">
          <h2 id="signin-h">Already here?</h2>
          <p><Link href="/signin">Sign in</Link></p>
          <p><Link href="/recover">Forgot your password? Use a recovery code</Link></p>
        </section>
      </div>
    </main>
  );
}

export function SignInPage() {
  const s = useSession();
  useTitle('Sign in', s.instance?.name);
  const [, navigate] = useLocation();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const signin = useAction(async () => {
    await api('POST', '/api/v1/sessions', { username, password });
    const next = await refreshSession();
    navigate(next.personas.length === 0 ? '/personas' : '/hallway');
  });
  return (
    <main id="main">
      <h1>Sign in</h1>
      {s.me && <Notice>You are signed in as {s.me.username}. <Link href="/hallway">Go to the hallway</Link>.</Notice>}
      <Form onSubmit={() => signin.go()} label="Sign in">
        <Field label="Username" value={username} onValue={setUsername} autoComplete="username" required />
        <Field label="Password" type="password" value={password} onValue={setPassword} autoComplete="current-password" required />
        <ErrorText error={signin.error} />
        <button type="submit" disabled={signin.busy}>Sign in</button>
      </Form>
      <p><Link href="/recover">Forgot your password? Use a recovery code</Link> · <Link href="/">Create an account</Link></p>
    </main>
  );
}

export function RecoverPage() {
  const s = useSession();
  useTitle('Recover your account', s.instance?.name);
  const [username, setUsername] = useState('');
  const [code, setCode] = useState('');
  const [password, setPassword] = useState('');
  const [done, setDone] = useState(false);
  const recover = useAction(async () => {
    await api('POST', '/api/v1/accounts/recover', { username, recoveryCode: code.trim(), newPassword: password });
    await refreshSession();
    setDone(true);
  });
  return (
    <main id="main">
      <h1>Recover your account</h1>
      {done ? (
        <Notice>Your password is changed and every session was signed out. <Link href="/signin">Sign in with the new password</Link>. That recovery code is used up.</Notice>
      ) : (
        <Form onSubmit={() => recover.go()} label="Recover with a code">
          <p>Use one of the recovery codes you saved when you created the account. Each code works once.</p>
          <Field label="Username" value={username} onValue={setUsername} autoComplete="username" required />
          <Field label="Recovery code" value={code} onValue={setCode} autoComplete="off" required />
          <Field label="New password" type="password" value={password} onValue={setPassword} autoComplete="new-password" required minLength={10} hint="At least 10 characters." />
          <ErrorText error={recover.error} />
          <button type="submit" disabled={recover.busy}>Set the new password</button>
        </Form>
      )}
    </main>
  );
}
