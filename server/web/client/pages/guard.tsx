/** Pages that need a signed-in account (and some a persona) say so plainly instead of failing. */
import type { ComponentChildren } from 'preact';
import { Link } from 'wouter-preact';
import { useSession } from '../session.js';

export function SignedIn({ title, needPersona = false, children }: { title: string; needPersona?: boolean; children: ComponentChildren }) {
  const s = useSession();
  if (!s.me) {
    return (
      <main id="main">
        <h1>{title}</h1>
        <p>You are not signed in (or your session has ended). <Link href="/signin">Sign in</Link> or <Link href="/">create an account</Link>.</p>
      </main>
    );
  }
  if (needPersona && !s.personas.some((p) => p.acting)) {
    return (
      <main id="main">
        <h1>{title}</h1>
        <p>Everything here is done as one of your personas. <Link href="/personas">Create or pick a persona</Link> first.</p>
      </main>
    );
  }
  return <>{children}</>;
}
