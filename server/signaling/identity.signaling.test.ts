/**
 * An open signaling connection loses its identity the moment the session or
 * persona behind it changes: persona deleted (4410), logout or session
 * revoked (4401), password recovered (4401), another persona chosen (4409);
 * and every join re-checks the session. Real store, real worker, ws clients.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client, PASSWORD } from '../../test/helpers/accounts-harness.js';
import { startRoomsHarness, type RoomsHarness } from '../../test/helpers/rooms-harness.js';
import type { SignalClient } from '../../test/helpers/signal-client.js';

describe('signaling identity follows its session (ws clients, real worker)', () => {
  let h: RoomsHarness;
  let host: SignalClient;
  let publicId: string;
  let unlistedId: string;
  const open: SignalClient[] = [];
  const connect = async (cookie?: string): Promise<SignalClient> => {
    const c = await h.signal(cookie);
    open.push(c);
    return c;
  };
  const cookieOf = (client: Client): string => [...client.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  /** The host's latest view lists no one with this handle on stage or in the audience. */
  const hostSeesNo = (handle: string) => host.room((r) => {
    const people = [...(r.stage as { handle: string | null }[]), ...(r.audience as { handle: string | null }[])];
    return !people.some((p) => p.handle === handle);
  });

  before(async () => {
    h = await startRoomsHarness();
    const owner = await h.person('idn_host');
    publicId = String((await owner.client.post('/api/v1/rooms', { title: 'Open', visibility: 'public' })).body.id);
    unlistedId = String((await owner.client.post('/api/v1/rooms', { title: 'Members', visibility: 'unlisted' })).body.id);
    host = await connect(owner.cookie);
    await host.ok('join', { roomId: publicId });
  });
  after(async () => {
    for (const c of open) c.close();
    await h.close();
  });

  /** A persona in the public room, seen by the host in the audience. */
  const seated = async (handle: string): Promise<{ person: Awaited<ReturnType<RoomsHarness['person']>>; socket: SignalClient }> => {
    const person = await h.person(handle);
    const socket = await connect(person.cookie);
    await socket.ok('join', { roomId: publicId });
    await host.room((r) => (r.audience as { handle: string }[]).some((p) => p.handle === handle));
    return { person, socket };
  };

  it('deleting the persona closes its connection (4410) and removes it from the room; the old cookie is a guest', { timeout: 30_000 }, async () => {
    const { person, socket } = await seated('idn_gone');
    const deleted = await person.client.delete('/api/v1/personas/idn_gone', { password: PASSWORD });
    assert.equal(deleted.status, 200, JSON.stringify(deleted.body));
    assert.equal((await socket.closed).code, 4410);
    await hostSeesNo('idn_gone');
    const again = await connect(person.cookie);
    const joined = await again.ok('join', { roomId: publicId });
    assert.match(String(joined.participantId), /^guest:/, 'a later join is done as a guest');
  });

  it('logging out closes the connection of that session (4401); a later join is refused or done as a guest', { timeout: 30_000 }, async () => {
    const { person, socket } = await seated('idn_out');
    const cookie = person.cookie;
    assert.equal((await person.client.delete('/api/v1/sessions/current', {})).status, 204);
    assert.deepEqual(await socket.closed, { code: 4401, reason: 'session ended' });
    await hostSeesNo('idn_out');
    const again = await connect(cookie);
    const refused = await again.request('join', { roomId: unlistedId });
    assert.equal(refused.ok ? 'ok' : refused.error.code, 'guests_public_only');
  });

  it('revoking a session from another one closes its connection (4401)', { timeout: 30_000 }, async () => {
    const { person, socket } = await seated('idn_rev');
    const other = new Client(h.baseUrl);
    assert.equal((await other.post('/api/v1/sessions', { username: 'u_idn_rev', password: PASSWORD })).status, 201);
    const sessions = (await other.get('/api/v1/sessions')).body.sessions as { id: string; current: boolean }[];
    const first = sessions.find((s) => !s.current);
    assert.ok(first);
    assert.equal((await other.delete(`/api/v1/sessions/${first.id}`, {})).status, 204);
    assert.equal((await socket.closed).code, 4401);
    await hostSeesNo('idn_rev');
    const kept = await connect(cookieOf(other));
    assert.equal((await kept.ok('join', { roomId: publicId })).participantId, person.personaId, 'the other session is untouched');
  });

  it('recovering the password closes every connection of the account (4401)', { timeout: 30_000 }, async () => {
    const client = new Client(h.baseUrl);
    const reg = await client.post('/api/v1/accounts', { username: 'u_idn_rec', password: PASSWORD });
    const [code] = reg.body.recoveryCodes as string[];
    assert.equal((await client.post('/api/v1/personas', { handle: 'idn_rec', displayName: 'Rec' })).status, 201);
    const socket = await connect(cookieOf(client));
    await socket.ok('join', { roomId: publicId });
    await host.room((r) => (r.audience as { handle: string }[]).some((p) => p.handle === 'idn_rec'));
    const recovered = await new Client(h.baseUrl).post('/api/v1/accounts/recover', { username: 'u_idn_rec', recoveryCode: code, newPassword: 'a brand new passphrase' });
    assert.equal(recovered.status, 200, JSON.stringify(recovered.body));
    assert.equal((await socket.closed).code, 4401);
    await hostSeesNo('idn_rec');
  });

  it('choosing another persona closes the connection of the old one (4409)', { timeout: 30_000 }, async () => {
    const { person, socket } = await seated('idn_one');
    assert.equal((await person.client.post('/api/v1/personas', { handle: 'idn_two', displayName: 'Two' })).status, 201);
    assert.equal((await person.client.post('/api/v1/personas/idn_two/act', {})).status, 200);
    assert.equal((await socket.closed).code, 4409);
    await hostSeesNo('idn_one');
  });

  it('re-checks the session on every join, even when no change was announced', { timeout: 30_000 }, async () => {
    const person = await h.person('idn_quiet');
    const socket = await connect(person.cookie);
    const session = (await person.client.get('/api/v1/sessions')).body.sessions as { id: string }[];
    const account = await h.store.accounts.findByUsername('u_idn_quiet');
    assert.ok(account && session[0]);
    // Behind the hooks' back, as a crash between the delete and its announcement would.
    assert.equal(await h.store.sessions.delete(session[0].id, account.id), true);
    const refused = await socket.request('join', { roomId: publicId });
    assert.equal(refused.ok ? 'ok' : refused.error.code, 'session_ended');
    assert.equal((await socket.closed).code, 4401);
    assert.equal(h.rooms.service.live(publicId)?.stage.participant(person.personaId), undefined);
  });
});
