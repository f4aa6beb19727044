/**
 * The signaling protocol with Node WebSocket clients against a real server
 * (real store, real mediasoup worker): bad input, guests, grants, caps and
 * rate limits. The stage sequence is in stage.signaling.test.ts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startRoomsHarness, type RoomsHarness } from '../../test/helpers/rooms-harness.js';
import type { SignalClient } from '../../test/helpers/signal-client.js';

const clock = { offsetMs: 0 };

describe('signaling protocol (ws clients, real worker)', () => {
  let h: RoomsHarness;
  let host: { cookie: string; personaId: string };
  let roomId: string;
  let unlistedId: string;
  const open: SignalClient[] = [];
  const connect = async (cookie?: string): Promise<SignalClient> => {
    const c = await h.signal(cookie);
    open.push(c);
    return c;
  };

  before(async () => {
    h = await startRoomsHarness({
      options: {
        now: () => Date.now() + clock.offsetMs,
        grantTtlSeconds: 60,
        signalLimits: { burst: 20, perSecond: 10, maxInvalid: 8, maxRateLimited: 60 },
        peerCaps: { transports: 2, producers: 1, consumers: 10 },
      },
    });
    const p = await h.person('sig_host');
    host = p;
    roomId = String((await p.client.post('/api/v1/rooms', { title: 'Signal', visibility: 'public' })).body.id);
    unlistedId = String((await p.client.post('/api/v1/rooms', { title: 'Quiet', visibility: 'unlisted' })).body.id);
  });
  after(async () => {
    for (const c of open) c.close();
    await h.close();
  });

  it('answers bad input with error codes and keeps the connection usable', async () => {
    const c = await connect(host.cookie);
    c.sendRaw('not json');
    c.sendRaw(JSON.stringify({ id: 'u1', type: 'teleport' }));
    c.sendRaw(JSON.stringify({ id: 'm1', type: 'join' }));
    c.sendRaw(JSON.stringify({ id: 'big', type: 'ping', pad: 'x'.repeat(70 * 1024) }));
    c.sendRaw(JSON.stringify({ id: 'x1', type: 'invite', participantId: 'a', extra: true }));
    const answers = await c.wait(() => (c.answers.length >= 5 ? c.answers : undefined), 5_000, 'five answers');
    assert.deepEqual(answers.map((a) => [a.id, a.ok ? 'ok' : a.error.code]), [
      [null, 'bad_json'], ['u1', 'unknown_type'], ['m1', 'invalid_message'], [null, 'too_large'], ['x1', 'invalid_message'],
    ]);
    assert.deepEqual((await c.request('ping')).ok, true, 'still usable');
  });

  it('closes the connection after repeated abuse with 4400', async () => {
    const c = await connect();
    for (let i = 0; i < 12; i++) c.sendRaw('{{');
    assert.equal((await c.closed).code, 4400);
  });

  it('closes a connection that sends a frame over 256 KiB with 1009, leaving other peers alone', async () => {
    const bystander = await connect(host.cookie);
    const c = await connect();
    c.sendRaw('x'.repeat(300 * 1024));
    assert.equal((await c.closed).code, 1009);
    assert.equal((await bystander.request('ping')).ok, true);
  });

  it('refuses operations before join with not_joined', async () => {
    const c = await connect(host.cookie);
    for (const [type, fields] of [['raiseHand', {}], ['invite', { participantId: 'x' }], ['createTransport', { grant: 'g', direction: 'recv' }]] as const) {
      const a = await c.request(type, fields);
      assert.equal(a.ok ? 'ok' : a.error.code, 'not_joined', type);
    }
  });

  it('rate-limits a flooding peer without affecting others', async () => {
    const flooder = await connect();
    const calm = await connect();
    for (let i = 0; i < 60; i++) flooder.sendRaw(JSON.stringify({ id: i, type: 'ping' }));
    await flooder.wait(() => (flooder.answers.length >= 60 ? true : undefined), 5_000, 'all answers');
    const limited = flooder.answers.filter((a) => !a.ok && a.error.code === 'rate_limited').length;
    assert.ok(limited >= 30, `rate-limited ${limited} of 60`);
    const started = Date.now();
    assert.equal((await calm.request('ping')).ok, true);
    assert.ok(Date.now() - started < 500);
  });

  it('closes a peer that keeps flooding with 4429', async () => {
    const flooder = await connect();
    for (let i = 0; i < 150; i++) flooder.sendRaw(JSON.stringify({ id: i, type: 'ping' }));
    assert.equal((await flooder.closed).code, 4429);
  });

  it('sends a room\'s events to a joining peer only after the join\'s answer', async () => {
    // A room nobody joined yet: the host's arrival is broadcast at once, while its join is still being answered.
    const fresh = String((await (await h.person('order_host')).client.post('/api/v1/rooms', { title: 'Order', visibility: 'public' })).body.id);
    const first = await connect((await h.person('order_first')).cookie);
    const answer = await first.request('join', { roomId: fresh });
    assert.equal(answer.ok, true, JSON.stringify(answer));
    await first.event('room');
    const kinds = first.received.map((m) => ('event' in m ? m.event : `answer ${String(m.id)}`));
    assert.equal(kinds[0], `answer ${String(answer.id)}`, `the answer comes first: ${kinds.join(', ')}`);
    await first.ok('leave');
  });

  it('lets guests listen to public rooms only, counted but not listed', async () => {
    const hostConn = await connect(host.cookie);
    await hostConn.ok('join', { roomId });
    const guest = await connect();
    const joined = await guest.ok('join', { roomId });
    assert.match(String(joined.participantId), /^guest:/);
    assert.equal((joined.grant as { canPublish: boolean }).canPublish, false);
    const seen = await hostConn.room((r) => r.guestCount === 1);
    assert.deepEqual((seen.audience as unknown[]).length, 0);
    assert.equal(seen.listenerCount, 1);
    const refused = await (await connect()).request('join', { roomId: unlistedId });
    assert.equal(refused.ok ? 'ok' : refused.error.code, 'guests_public_only');
    assert.equal((await guest.request('raiseHand')).ok, false);
    await guest.ok('leave');
    await hostConn.ok('leave');
  });

  it('lets a persona listen without appearing in the audience', async () => {
    const hostConn = await connect(host.cookie);
    await hostConn.ok('join', { roomId });
    const shy = await h.person('shy_one');
    const c = await connect(shy.cookie);
    await c.ok('join', { roomId, hidden: true });
    const seen = await hostConn.room((r) => r.listenerCount === 1).catch((e: unknown) => {
      throw new Error(`${String(e)}; events: ${JSON.stringify(hostConn.events)}`);
    });
    assert.deepEqual(seen.audience, []);
    await c.ok('leave');
    await hostConn.ok('leave');
  });

  it('pages through the audience on request, and sends only the counts when nothing else changed', async () => {
    const hostConn = await connect(host.cookie);
    await hostConn.ok('join', { roomId });
    const ann = await h.person('page_ann');
    const annConn = await connect(ann.cookie);
    await annConn.ok('join', { roomId });
    await hostConn.room((r) => (r.audience as { id: string }[]).some((p) => p.id === ann.personaId));
    const from = hostConn.events.length;
    const guest = await connect();
    await guest.ok('join', { roomId });
    // A guest is only counted: the others get the new counts, not the whole room again.
    const counts = await hostConn.event('roomCounts', (d) => d.listenerCount === 2, 3_000, from);
    assert.deepEqual(counts.data, { roomId, listenerCount: 2, guestCount: 1, audienceCount: 1 });
    assert.equal(hostConn.events.slice(from).some((e) => e.event === 'room'), false, 'no full state for a guest arriving');
    const page = await guest.ok('audience', { offset: 0, limit: 10 });
    assert.deepEqual((page.audience as { id: string }[]).map((p) => p.id), [ann.personaId]);
    assert.deepEqual([page.audienceCount, page.next], [1, null]);
    const past = await guest.ok('audience', { offset: 5 });
    assert.deepEqual([past.audience, past.next], [[], null]);
    const bad = await guest.request('audience', { limit: 0 });
    assert.equal(bad.ok ? 'ok' : bad.error.code, 'invalid_message');
    const notIn = await (await connect()).request('audience', {});
    assert.equal(notIn.ok ? 'ok' : notIn.error.code, 'not_joined');
    for (const c of [guest, annConn, hostConn]) await c.ok('leave');
  });

  it('checks the grant on every media operation', async () => {
    const listener = await h.person('grant_l');
    const c = await connect(listener.cookie);
    const joined = await c.ok('join', { roomId });
    const grant = (joined.grant as { token: string }).token;
    const t = await c.ok('createTransport', { grant, direction: 'recv' });
    assert.ok(t.id && t.iceCandidates && t.dtlsParameters);
    const rtpParameters = { codecs: [{ mimeType: 'audio/opus', payloadType: 111, clockRate: 48000, channels: 2 }], encodings: [{ ssrc: 1111 }] };
    const produce = await c.request('produce', { grant, transportId: t.id, rtpParameters });
    assert.equal(produce.ok ? 'ok' : produce.error.code, 'not_allowed', 'a listener may not produce');
    const tampered = await c.request('createTransport', { grant: `${grant.slice(0, -4)}AAAA`, direction: 'recv' });
    assert.equal(tampered.ok ? 'ok' : tampered.error.code, 'grant_invalid');

    // A grant for another room (the host's, in the unlisted room) is refused here.
    const other = await connect(host.cookie);
    const otherJoin = await other.ok('join', { roomId: unlistedId });
    const foreign = await c.request('createTransport', { grant: (otherJoin.grant as { token: string }).token, direction: 'recv' });
    assert.equal(foreign.ok ? 'ok' : foreign.error.code, 'grant_wrong_room');

    // Another peer's transport (in the same room).
    const peer = await connect((await h.person('grant_p')).cookie);
    const peerJoin = await peer.ok('join', { roomId });
    const ot = await peer.ok('createTransport', { grant: (peerJoin.grant as { token: string }).token, direction: 'recv' });
    const stolen = await c.request('connectTransport', { grant, transportId: ot.id, dtlsParameters: { role: 'client', fingerprints: [{ algorithm: 'sha-256', value: 'AA' }] } });
    assert.equal(stolen.ok ? 'ok' : stolen.error.code, 'not_yours');
    const stolenIce = await c.request('restartIce', { grant, transportId: ot.id });
    assert.equal(stolenIce.ok ? 'ok' : stolenIce.error.code, 'not_yours');

    // ICE restart on one's own transport answers fresh ICE parameters.
    const restarted = await c.ok('restartIce', { grant, transportId: t.id });
    const before = t.iceParameters as { usernameFragment: string; password: string };
    const after = restarted as { usernameFragment?: string; password?: string };
    assert.ok(after.usernameFragment && after.password, JSON.stringify(restarted));
    assert.notEqual(after.usernameFragment, before.usernameFragment);

    // Caps: two transports per peer.
    await c.ok('createTransport', { grant, direction: 'send' });
    const third = await c.request('createTransport', { grant, direction: 'recv' });
    assert.equal(third.ok ? 'ok' : third.error.code, 'cap_reached');

    // Rotation keeps the previous key: the old grant still works, both keys are published.
    await h.rooms.keys.rotate();
    assert.equal(h.rooms.keys.jwks().keys.length, 2);
    const afterRotation = await c.request('resumeConsumer', { grant, consumerId: 'nope' });
    assert.equal(afterRotation.ok ? 'ok' : afterRotation.error.code, 'no_such_consumer', 'grant accepted, consumer unknown');
    const fresh = await c.ok('refreshGrant');
    assert.notEqual(fresh.token, grant);

    clock.offsetMs = 120_000;
    try {
      const expired = await c.request('createTransport', { grant, direction: 'recv' });
      assert.equal(expired.ok ? 'ok' : expired.error.code, 'grant_expired');
    } finally {
      clock.offsetMs = 0;
    }
    await other.ok('leave');
    await peer.ok('leave');
    await c.ok('leave');
  });
});
