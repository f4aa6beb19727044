/**
 * Recovery codes, shown once right after sign-up: kept only in this page's
 * memory (never in storage or the URL), with copy and download, and a clear
 * warning that they will not be shown again.
 */
import { useEffect, useState } from 'preact/hooks';
import { Link } from 'wouter-preact';
import { useSession } from '../session.js';
import { Check, useTitle } from '../ui.js';

let fresh: string[] | null = null;

export function setFreshRecoveryCodes(codes: string[]): void {
  fresh = codes;
}

export function WelcomePage() {
  const s = useSession();
  useTitle('Save your recovery codes', s.instance?.name);
  const [codes] = useState(fresh);
  const [saved, setSaved] = useState(false);
  const [copied, setCopied] = useState<string | null>(null);
  const [href, setHref] = useState<string | null>(null);
  useEffect(() => {
    fresh = null; // shown once: a reload does not bring them back
    if (!codes) return;
    const url = URL.createObjectURL(new Blob([`Recovery codes for ${s.me?.username ?? 'your account'} on ${s.instance?.host ?? 'Hearth'}\nEach code works once.\n\n${codes.join('\n')}\n`], { type: 'text/plain' }));
    setHref(url);
    return () => URL.revokeObjectURL(url);
  }, []);
  if (!codes) {
    return (
      <main id="main">
        <h1>Recovery codes</h1>
        <p>Recovery codes are shown only once, right after creating an account. <Link href="/personas">Continue to your personas</Link>.</p>
      </main>
    );
  }
  return (
    <main id="main">
      <h1>Save your recovery codes</h1>
      <p class="warning" role="note"><strong>They are shown only this once.</strong> Without one of them, a forgotten password cannot be recovered: there is no e-mail or phone to fall back on. Keep them somewhere safe; each code works once.</p>
      <ul class="codes" aria-label="Recovery codes">{codes.map((c) => <li key={c}><code>{c}</code></li>)}</ul>
      <div class="row">
        <button type="button" onClick={() => {
          navigator.clipboard.writeText(codes.join('\n')).then(() => setCopied('Copied to the clipboard.'), () => setCopied('Copying is not allowed here: select the codes and copy them, or download them.'));
        }}>Copy codes</button>
        {href && <a class="button" href={href} download="hearth-recovery-codes.txt">Download codes</a>}
      </div>
      {copied && <p role="status">{copied}</p>}
      <Check label="I have saved my recovery codes" checked={saved} onChange={setSaved} />
      {saved ? <p><Link href="/personas" class="button">Continue: create your first persona</Link></p> : <p class="hint">Tick the box once they are saved to continue.</p>}
    </main>
  );
}
