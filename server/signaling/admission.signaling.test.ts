/**
 * Per-client limits on connections and media transports (anonymous guests
 * cannot take every transport; the stage keeps a reserve), and transports
 * sharing one WebRtcServer port per worker, so a tiny port range is no limit.
 * Client addresses come from X-Forwarded-For behind one trusted proxy.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startRoomsHarness, type RoomsHarness } from '../../test/helpers/rooms-harness.js';
import { SignalClient } from '../../test/helpers/signal-client.js';

describe('connection and transport limits per client (ws clients, real worker)', () => {
  let h: RoomsHarness;
  let roomId: string;
  let owner: Awaited<ReturnType<RoomsHarness['person']>>;
  const open: SignalClient[] = [];
  const from = async (address: string, cookie?: string): Promise<SignalClient> => {
    const c = await SignalClient.connect(h.baseUrl, cookie, { 'x-forwarded-for': address });
    open.push(c);
    return c;
  };
  /** Joins the room; answers the grant. */
  const join = async (c: SignalClient): Promise<string> => ((await c.ok('join', { roomId })).grant as { token: string }).token;
  /** Asks for one transport; answers ok or the error code. */
  const transport = async (c: SignalClient, grant?: string, direction: 'send' | 'recv' = 'recv'): Promise<string> => {
    const answer = await c.request('createTransport', { grant: grant ?? (await join(c)), direction });
    return answer.ok ? 'ok' : answer.error.code;
  };

  before(async () => {
    h = await startRoomsHarness({
      env: {
        HEARTH_TRUST_PROXY: '1',
        HEARTH_CONNECTIONS_PER_ADDRESS: '3',
        HEARTH_CONNECTIONS_PER_ACCOUNT: '2',
        HEARTH_MEDIA_TRANSPORTS_PER_ADDRESS: '2',
        HEARTH_MEDIA_MAX_TRANSPORTS: '6',
        HEARTH_MEDIA_STAGE_RESERVE: '2',
        // Four ports: without a shared WebRtcServer, four transports would take every one.
        HEARTH_MEDIA_RTC_MIN_PORT: '47340',
        HEARTH_MEDIA_RTC_MAX_PORT: '47343',
      },
    });
    owner = await h.person('adm_host');
    roomId = String((await owner.client.post('/api/v1/rooms', { title: 'Crowded', visibility: 'public' })).body.id);
  });
  after(async () => {
    for (const c of open) c.close();
    await h.close();
  });

  it('refuses guests past the limits with clear codes while the host on stage still gets its transports', { timeout: 30_000 }, async () => {
    const host = await from('198.51.100.1', owner.cookie);
    const guests = [await from('203.0.113.7'), await from('203.0.113.7'), await from('203.0.113.7')];
    const fourth = await from('203.0.113.7');
    assert.deepEqual(await fourth.closed, { code: 4430, reason: 'too many connections from your address' });

    assert.deepEqual([await transport(guests[0]!), await transport(guests[1]!), await transport(guests[2]!)], ['ok', 'ok', 'too_many_transports'],
      'two transports per address');
    assert.equal(await transport(await from('203.0.113.8')), 'ok');
    assert.equal(await transport(await from('203.0.113.9')), 'ok');
    assert.equal(await transport(await from('203.0.113.10')), 'media_busy', 'listeners stop short of the stage reserve');

    const grant = await join(host);
    assert.equal(await transport(host, grant, 'send'), 'ok', 'the host on stage uses the reserve');
    assert.equal(await transport(host, grant, 'recv'), 'ok');
    assert.equal(h.rooms.service.live(roomId)?.media?.transportCount(), 6, 'six transports on a four-port range');
  });

  it('limits connections per account across addresses', { timeout: 30_000 }, async () => {
    const person = await h.person('adm_many');
    await from('198.51.100.20', person.cookie);
    await from('198.51.100.21', person.cookie);
    const third = await from('198.51.100.22', person.cookie);
    assert.deepEqual(await third.closed, { code: 4430, reason: 'too many connections for your account' });
  });
});
