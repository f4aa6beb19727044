/**
 * Administration and moderation, for accounts with a role: domain blocks,
 * the reports queue and the audit log (moderators and administrators);
 * instance settings with the registration mode, invite codes and roles
 * (administrators). Everyone else gets a plain "not allowed" page; the API
 * refuses them anyway (403), this page only spares them a screen of errors.
 */
import { useState } from 'preact/hooks';
import { Link } from 'wouter-preact';
import { useSession } from '../../session.js';
import { useTitle } from '../../ui.js';
import { AuditSection } from './audit.js';
import { DomainBlocksSection } from './blocks.js';
import { InstanceSection, InvitesSection } from './instance.js';
import { ReportsSection } from './reports.js';
import { RolesSection } from './roles.js';
import type { SectionProps } from './section.js';


function NotAllowed({ signedIn }: { signedIn: boolean }) {
  return (
    <main id="main">
      <h1>Not allowed</h1>
      <p>This page is for the moderators and administrators of this instance.</p>
      {signedIn
        ? <p>Your account has no moderation role. To report someone, use the <Link href="/people">People</Link> page.</p>
        : <p>You are not signed in (or your session has ended). <Link href="/signin">Sign in</Link> with a moderator’s or administrator’s account.</p>}
    </main>
  );
}

export function AdminPage() {
  const s = useSession();
  const role = s.me?.role ?? null;
  useTitle(role ? 'Administration' : 'Not allowed', s.instance?.name);
  const [version, setVersion] = useState(0);
  if (!s.me || !role) return <NotAllowed signedIn={s.me !== null} />;
  const props: SectionProps = { changed: () => setVersion((v) => v + 1), version };
  const admin = role === 'admin';
  return (
    <main id="main" class="admin">
      <h1>Administration</h1>
      <p>
        Signed in as <strong>{s.me.username}</strong>, {admin ? 'an administrator' : 'a moderator'} of this instance.
        {' '}Every action here is recorded in the audit log under your account’s username, never a persona.
      </p>
      <nav aria-label="Sections" class="row section-nav">
        <a href="#blocks-h">Domain blocks</a>
        <a href="#reports-h">Reports</a>
        {admin && <a href="#instance-h">Instance and registration</a>}
        {admin && <a href="#invites-h">Invites</a>}
        <a href="#roles-h">Roles</a>
        <a href="#audit-h">Audit log</a>
      </nav>
      <div class="columns">
        <div>
          <DomainBlocksSection {...props} />
          <ReportsSection {...props} />
        </div>
        <div>
          {admin ? (
            <>
              <InstanceSection {...props} />
              <InvitesSection {...props} />
            </>
          ) : <p class="hint card">Instance settings, registration, invites and roles are managed by administrators.</p>}
          <RolesSection {...props} admin={admin} me={s.me.username} />
        </div>
      </div>
      <AuditSection {...props} />
    </main>
  );
}
