/**
 * Rooms across instances, part 2: cascade links between real instances as
 * separate processes over HTTPS (A hosts, B links), with signaling clients
 * (no browser: producers are made without sending audio; the audio path is
 * tested in media/cascade.test.ts and the browser test). Plus a
 * Fedify-shaped peer that sends the bad input: unsigned and forged link
 * requests, personas of another instance, floods, and control messages
 * acting for participants it does not own.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { signRequest } from '../../federation/signatures/index.js';
import { FakeRemote, type FakeActor } from '../helpers/fake-remote.js';
import { controlSocket, fakePipe, ForgedControl, requestLink } from '../helpers/forged-link.js';
import type { TestClient } from '../helpers/http-client.js';
import { clusterClient, signUp, startInstances, type InstanceCluster, type TestInstance } from '../helpers/instances.js';
import { waitFor } from '../helpers/server-process.js';
import { SignalClient } from '../helpers/signal-client.js';

interface RoomView { id: string; url: string; title: string }
type Stage = { id: string; handle: string | null; role: string; muted: boolean };
/** The loopback address B's clients connect from (the instances listen on 127.0.0.2 and .3). */
const B_CLIENT_IP = '127.0.0.77';
const FAKE_RTP = { codecs: [{ mimeType: 'audio/opus', payloadType: 100, clockRate: 48000, channels: 2 }], encodings: [{ ssrc: 4242 }] };

describe('cascade links: joining and speaking in another instance\'s room (processes over HTTPS)', () => {
  let cluster: InstanceCluster;
  let a: TestInstance;
  let b: TestInstance;
  let onA: TestClient;
  let fox: TestClient;
  let vole: TestClient;
  let owl: string;
  let foxActor: string;
  let fedi: FakeRemote;
  let ana: FakeActor;
  let tlsA: { ca: string; ip: string };
  let tlsB: { ca: string; ip: string; localAddress: string };
  const sockets: SignalClient[] = [];

  const connect = async (base: string, client: TestClient, tls: { ca: string; ip: string }): Promise<SignalClient> => {
    const s = await SignalClient.connect(base, client.cookieHeader(), {}, tls);
    sockets.push(s);
    return s;
  };
  const inHallway = (title: string): Promise<RoomView> => waitFor(async () => {
    const res = await fox.get<{ rooms: RoomView[] }>(`${b.url}/api/v1/hallway`);
    return res.body.rooms.find((r) => r.title === title);
  }, 8_000, `${title} in B's hallway`);
  const createRoom = async (title: string, visibility = 'public'): Promise<RoomView> => {
    const res = await onA.post<RoomView>(`${a.url}/api/v1/rooms`, { title, visibility });
    assert.equal(res.status, 201, res.text);
    return res.body;
  };
  /** A link request signed by the fake peer's actor. */
  const fediLink = (joinEndpoint: string, body: Record<string, unknown>, signer: FakeActor | null = ana) => requestLink(onA, joinEndpoint, body, signer);

  before(async () => {
    cluster = await startInstances(['a', 'b'], { extraHosts: { 'fedi.hearth.test': '127.0.0.9' }, env: { HEARTH_LINK_GRACE_SECONDS: '1', HEARTH_LINKS_PER_ROOM: '1' } });
    [a, b] = cluster.instances as [TestInstance, TestInstance];
    tlsA = { ca: cluster.caPem, ip: '127.0.0.2' };
    // B's clients connect from an address of their own: A must never learn it.
    tlsB = { ca: cluster.caPem, ip: '127.0.0.3', localAddress: B_CLIENT_IP };
    onA = clusterClient(cluster);
    fox = clusterClient(cluster, B_CLIENT_IP);
    vole = clusterClient(cluster, B_CLIENT_IP);
    owl = await signUp(onA, a.url, 'alice', 'owl');
    foxActor = await signUp(fox, b.url, 'bob', 'fox');
    await signUp(vole, b.url, 'carol', 'vole');
    assert.equal((await fox.post(`${b.url}/api/v1/personas/fox/follow`, { target: owl })).status, 200);
    await waitFor(async () => (await fox.get<{ following: string[] }>(`${b.url}/api/v1/personas/fox/export`)).body.following?.includes(owl), 10_000, 'fox to follow owl');
    fedi = await FakeRemote.start(cluster.ca, 'fedi.hearth.test', '127.0.0.9');
    ana = fedi.addActor('ana', 'fedify');
  });
  after(async () => {
    for (const s of sockets) s.close();
    await fedi?.close();
    await cluster?.stop();
  });

  it('B\'s personas join A\'s room through one link; state reaches them within 300 ms; A\'s speaker is piped once; a B persona is invited and speaks; ending the room closes the link', { timeout: 60_000 }, async () => {
    const room = await createRoom('Cascade');
    const roomId = room.url.split('/').pop() ?? '';
    const seen = await inHallway('Cascade');
    assert.equal(seen.id, room.url, 'B knows the room by its id (URL)');

    const host = await connect(a.url, onA, tlsA);
    const hostJoin = await host.ok('join', { roomId });
    const hostGrant = (hostJoin.grant as { token: string }).token;
    const send = await host.ok('createTransport', { grant: hostGrant, direction: 'send' });
    const produced = await host.ok('produce', { grant: hostGrant, transportId: send.id, rtpParameters: FAKE_RTP });

    // fox joins on B by the room's id; the browser side never talks to A.
    const foxSocket = await connect(b.url, fox, tlsB);
    const foxJoin = await foxSocket.ok('join', { roomId: room.url });
    assert.equal(foxJoin.participantId, foxActor, 'the participant id on A is fox\'s actor id');
    const onStage = (foxJoin.room as { stage: Stage[] }).stage;
    assert.ok(onStage.some((p) => p.role === 'host'), 'fox sees A\'s room state');
    const seenOnA = await host.room((r) => (r.audience as Stage[]).some((p) => p.id === foxActor));
    const foxOnA = (seenOnA.audience as Stage[]).find((p) => p.id === foxActor);
    assert.equal(foxOnA?.handle, `fox@${b.host}`, 'A shows fox with the full handle');

    // A's producer is on B's router under the same id: fox consumes it from B.
    const producerId = String(produced.id);
    await waitFor(async () => {
      const listed = await foxSocket.ok('listProducers', { grant: (foxJoin.grant as { token: string }).token });
      return (listed.producers as { producerId: string }[]).some((p) => p.producerId === producerId);
    }, 5_000, 'the host\'s producer piped into B');
    const foxGrant = (foxJoin.grant as { token: string }).token;
    const recv = await foxSocket.ok('createTransport', { grant: foxGrant, direction: 'recv' });
    const consumed = await foxSocket.ok('consume', { grant: foxGrant, transportId: recv.id, producerId, rtpCapabilities: foxJoin.routerRtpCapabilities });
    assert.equal(consumed.producerId, producerId);

    // vole joins too, hidden: through the same link, no second pipe consumer; A shows vole only in counts.
    const voleSocket = await connect(b.url, vole, tlsB);
    await voleSocket.ok('join', { roomId: room.url, hidden: true });
    const counted = await host.room((r) => r.listenerCount === 2);
    assert.equal((counted.audience as Stage[]).length, 1, 'the hidden listener is only counted');
    const opened = a.proc.lines.filter((l) => l.msg === 'cascade link opened' && l.roomId === roomId);
    assert.equal(opened.length, 1, 'one link for the room from B');
    const piped = a.proc.lines.filter((l) => l.msg === 'producer piped to a linked instance' && l.producerId === producerId);
    assert.equal(piped.length, 1, 'the host\'s producer is piped once to B, not once per listener');

    // fox raises a hand; the host sees it, invites; fox gets the invitation within 300 ms and accepts.
    await foxSocket.ok('raiseHand');
    await host.room((r) => (r.hands as string[]).includes(foxActor));
    const from = foxSocket.events.length;
    const invitedAt = Date.now();
    await host.ok('invite', { participantId: foxActor });
    await foxSocket.event('invited', () => true, 2_000, from);
    const took = Date.now() - invitedAt;
    assert.ok(took < 300, `the invitation reached B's client after ${took} ms`);
    await foxSocket.ok('acceptInvite');
    const grant = await foxSocket.event('grant', (d) => d.canPublish === true, 3_000, from);
    const speakGrant = String(grant.data.token);
    const foxSend = await foxSocket.ok('createTransport', { grant: speakGrant, direction: 'send' });
    const foxProduced = await foxSocket.ok('produce', { grant: speakGrant, transportId: foxSend.id, rtpParameters: { ...FAKE_RTP, encodings: [{ ssrc: 5151 }] } });
    const added = await host.event('producerAdded', (d) => d.participantId === foxActor, 5_000);
    assert.equal(added.data.producerId, foxProduced.id, 'fox\'s producer reached A under its id');

    // The host mutes fox: the state on B says so.
    await host.ok('mute', { participantId: foxActor });
    await foxSocket.room((r) => (r.stage as Stage[]).some((p) => p.id === foxActor && p.muted));

    // Ending the room on A closes the link: B's clients get left with room_ended.
    await host.ok('endRoom');
    const left = await foxSocket.event('left', () => true, 3_000);
    assert.equal(left.data.reason, 'room_ended');
    assert.equal(left.data.roomId, room.url);
    assert.equal((await voleSocket.event('left', () => true, 3_000)).data.reason, 'room_ended');
  });

  it('refuses bad link requests with a clear status, and control messages acting for others', { timeout: 60_000 }, async () => {
    const room = await createRoom('Guarded');
    const roomId = room.url.split('/').pop() ?? '';
    const join = `${room.url}/join`;
    const host = await connect(a.url, onA, tlsA);
    const hostJoin = await host.ok('join', { roomId });
    const hostId = String(hostJoin.participantId);
    const body = (over: Record<string, unknown> = {}) => ({ type: 'LinkRequest', room: room.url, actor: ana.id, pipe: fakePipe(), ...over });

    const unsigned = await fediLink(join, body(), null);
    assert.equal(unsigned.status, 401, unsigned.text);
    // Signed, then the body changed: the digest no longer matches.
    const text = JSON.stringify(body());
    const headers = { 'content-type': 'application/json' };
    const signed = signRequest({ method: 'POST', url: join, headers, body: text, keyId: ana.keyId, privateKeyPem: ana.privateKeyPem });
    const forged = await onA.request('POST', join, text.replace('LinkRequest', 'LinkRequest '), { ...headers, ...signed });
    assert.equal(forged.status, 401, forged.text);
    const third = await fediLink(join, body({ actor: foxActor }));
    assert.equal(third.status, 403, third.text);
    assert.equal(third.body.error, 'wrong_origin');
    const missing = await fediLink(`${a.url}/rooms/nope/join`, body({ room: `${a.url}/rooms/nope` }));
    assert.equal(missing.status, 404, missing.text);
    const secret = await createRoom('Secret', 'invite');
    const invite = await fediLink(`${secret.url}/join`, body({ room: secret.url }));
    assert.equal(invite.status, 404, invite.text);
    const ended = await createRoom('Over');
    assert.equal((await onA.post(`${a.url}/api/v1/rooms/${ended.url.split('/').pop()}/end`, {})).status, 200);
    const over = await fediLink(`${ended.url}/join`, body({ room: ended.url }));
    assert.equal(over.status, 410, over.text);
    assert.equal(over.body.error, 'room_ended');

    // An accepted link of the peer: its control channel may act only for what it announced.
    const accepted = await fediLink(join, body());
    assert.equal(accepted.status, 201, accepted.text);
    const answer = accepted.body as { control: string; token: string; pipe: { srtpParameters: unknown } };
    assert.ok(answer.pipe.srtpParameters, 'the answer carries the host\'s SRTP parameters');
    const control = await ForgedControl.open(answer, tlsA);
    // The peer holds this room's only link (HEARTH_LINKS_PER_ROOM=1): B's request is refused with a clear code.
    await inHallway('Guarded');
    const capped = await (await connect(b.url, fox, tlsB)).request('join', { roomId: room.url });
    assert.equal(capped.ok ? 'joined' : capped.error.code, 'remote_refused');
    assert.match(capped.ok ? '' : capped.error.message, /link_cap_reached/);
    const ask = (id: string, msg: Record<string, unknown>) => control.ask(id, msg);
    // The token opens one channel only.
    const again = controlSocket(answer.control, answer.token, tlsA);
    const refusedStatus = await new Promise<number>((resolve) => again.once('unexpected-response', (_q, res) => resolve(res.statusCode ?? 0)));
    assert.equal(refusedStatus, 401);

    assert.equal((await ask('1', { type: 'announce', participant: { kind: 'persona', actor: foxActor, displayName: null, hidden: false } })).error?.code, 'not_from_this_link');
    assert.equal((await ask('2', { type: 'act', participantId: hostId, action: 'raiseHand' })).error?.code, 'not_from_this_link');
    assert.equal((await ask('3', { type: 'act', participantId: `${fedi.origin}/users/nobody`, action: 'raiseHand' })).error?.code, 'not_announced');
    assert.equal((await ask('4', { type: 'announce', participant: { kind: 'persona', actor: ana.id, displayName: 'Ana', hidden: false } })).ok, true);
    assert.equal((await ask('5', { type: 'produce', participantId: ana.id, producer: { producerId: 'rogue', kind: 'audio', rtpParameters: FAKE_RTP, paused: false } })).error?.code, 'not_allowed');
    assert.equal((await ask('6', { type: 'act', participantId: ana.id, action: 'remove', target: hostId })).error?.code, 'stage');
    assert.equal((await ask('7', { type: 'bogus' })).error?.code, 'invalid_message');
    const state = await host.room((r) => (r.audience as Stage[]).some((p) => p.id === ana.id));
    assert.equal((state.stage as Stage[]).length, 1, 'the host alone on stage: nothing else changed');

    // A muted remote speaker stays silent on A whatever its instance pipes (after a reconnect it may say "unpaused").
    await host.ok('invite', { participantId: ana.id });
    assert.equal((await ask('8', { type: 'act', participantId: ana.id, action: 'acceptInvite' })).ok, true);
    await host.ok('mute', { participantId: ana.id });
    const voice = randomUUID();
    assert.equal((await ask('9', { type: 'produce', participantId: ana.id, producer: { producerId: voice, kind: 'audio', rtpParameters: FAKE_RTP, paused: false } })).ok, true);
    const hostGrant = String((hostJoin.grant as { token: string }).token);
    const recv = await host.ok('createTransport', { grant: hostGrant, direction: 'recv' });
    const heard = await host.ok('consume', { grant: hostGrant, transportId: recv.id, producerId: voice, rtpCapabilities: hostJoin.routerRtpCapabilities });
    assert.equal(heard.producerPaused, true, 'the muted remote speaker\'s producer is paused on A');

    // An inbound Delete of the remote persona removes it from the live room at once.
    const inbox = `${a.url}/inbox`;
    const del = JSON.stringify({ '@context': 'https://www.w3.org/ns/activitystreams', id: `${ana.id}#delete`, type: 'Delete', actor: ana.id, object: ana.id });
    const delHeaders = { 'content-type': 'application/activity+json' };
    const posted = await onA.request('POST', inbox, del, { ...delHeaders, ...signRequest({ method: 'POST', url: inbox, headers: delHeaders, body: del, keyId: ana.keyId, privateKeyPem: ana.privateKeyPem }) });
    assert.ok(posted.status < 300, posted.text);
    await host.room((r) => ![...(r.stage as Stage[]), ...(r.audience as Stage[])].some((p) => p.id === ana.id), 5_000);
    await waitFor(() => control.departures().find((d) => d.participantId === ana.id && d.reason === 'persona_deleted'), 3_000, 'ana departed over the link');
    control.close();

    // A flood of link requests from one host is cut off with 429.
    let limited = 0;
    for (let i = 0; i < 35; i++) if ((await fediLink(join, body())).status === 429) limited++;
    assert.ok(limited > 0, 'the flood was rate-limited');
    const opened = a.proc.lines.filter((l) => l.msg === 'cascade link opened' && l.roomId === roomId && String(l.origin).includes('fedi')).map((l) => String(l.link));
    const closed = new Set(a.proc.lines.filter((l) => l.msg === 'cascade link closed' && l.roomId === roomId).map((l) => String(l.link)));
    assert.ok(opened.length > 1, 'some requests got through before the limit');
    assert.deepEqual(opened.filter((id) => !closed.has(id)).length, 1, 'one link per room per instance: each new link replaced the previous one');
  });

  it('mirrors a piped speaker\'s unmute on B; opens a broken link again within 5 s; closes it after the grace', { timeout: 90_000 }, async () => {
    const room = await createRoom('Phoenix');
    const roomId = room.url.split('/').pop() ?? '';
    await inHallway('Phoenix');
    const host = await connect(a.url, onA, tlsA);
    const hostJoin = await host.ok('join', { roomId });
    const hostId = String(hostJoin.participantId);
    const hostGrant = (hostJoin.grant as { token: string }).token;
    const send = await host.ok('createTransport', { grant: hostGrant, direction: 'send' });
    const produced = await host.ok('produce', { grant: hostGrant, transportId: send.id, rtpParameters: FAKE_RTP });
    await host.ok('mute', { participantId: hostId });

    // The link opens while the host is muted: B's copy starts paused, and resumes when the host unmutes.
    const foxSocket = await connect(b.url, fox, tlsB);
    const foxJoin = await foxSocket.ok('join', { roomId: room.url });
    const foxGrant = (foxJoin.grant as { token: string }).token;
    await waitFor(async () => {
      const listed = await foxSocket.ok('listProducers', { grant: foxGrant });
      return (listed.producers as { producerId: string }[]).some((p) => p.producerId === produced.id);
    }, 5_000, 'the host\'s producer piped into B');
    const recv = await foxSocket.ok('createTransport', { grant: foxGrant, direction: 'recv' });
    const consume = (producerId: unknown) => foxSocket.ok('consume', { grant: foxGrant, transportId: recv.id, producerId, rtpCapabilities: foxJoin.routerRtpCapabilities });
    assert.equal((await consume(produced.id)).producerPaused, true, 'muted on A, paused on B');
    await host.ok('unmute');
    await waitFor(async () => (await consume(produced.id)).producerPaused === false, 3_000, 'B\'s copy to resume with the host\'s unmute');

    // A restarts: B opens the link again by itself; fox, still connected to B, gets the host's new producer.
    await a.restart();
    const back = Date.now();
    const host2 = await connect(a.url, onA, tlsA);
    const again = await host2.ok('join', { roomId });
    const grant2 = (again.grant as { token: string }).token;
    const send2 = await host2.ok('createTransport', { grant: grant2, direction: 'send' });
    const produced2 = await host2.ok('produce', { grant: grant2, transportId: send2.id, rtpParameters: FAKE_RTP });
    await foxSocket.event('producerAdded', (d) => d.producerId === produced2.id, 5_000);
    const took = Date.now() - back;
    assert.ok(took < 5_000, `B's listener got the host's producer ${took} ms after A was back`);
    assert.equal((await consume(produced2.id)).producerId, produced2.id, 'fox consumes it from B without joining again');
    const onA2 = await host2.room((r) => (r.audience as Stage[]).some((p) => p.id === foxActor));
    assert.ok(onA2, 'fox is in A\'s room again, announced by B');

    // The last B participant leaves: B closes the link after its grace (1 s here), not at once.
    await foxSocket.ok('leave');
    const left = Date.now();
    await host2.room((r) => !(r.audience as Stage[]).some((p) => p.id === foxActor));
    const closed = await a.proc.waitForLog((l) => l.msg === 'cascade link closed' && l.roomId === roomId, 6_000);
    const graceTook = Date.now() - left;
    assert.equal(closed.reason, 'link_idle');
    assert.ok(graceTook >= 800, `the link closed ${graceTook} ms after the last participant left`);
  });

  it('a deleted persona of B leaves the remote room it was in', { timeout: 30_000 }, async () => {
    const room = await createRoom('Farewell');
    const roomId = room.url.split('/').pop() ?? '';
    await inHallway('Farewell');
    const host = await connect(a.url, onA, tlsA);
    await host.ok('join', { roomId });
    // fox stays: the link stays up, so only the deletion can take vole out of A's room.
    await (await connect(b.url, fox, tlsB)).ok('join', { roomId: room.url });
    const voleSocket = await connect(b.url, vole, tlsB);
    const joined = await voleSocket.ok('join', { roomId: room.url });
    const voleActor = String(joined.participantId);
    await host.room((r) => (r.audience as Stage[]).some((p) => p.id === voleActor));
    const deleted = await vole.request('DELETE', `${b.url}/api/v1/personas/vole`, { password: 'carol has a long password' });
    assert.ok(deleted.status < 300, deleted.text);
    const after = await host.room((r) => !(r.audience as Stage[]).some((p) => p.id === voleActor), 5_000);
    assert.ok((after.audience as Stage[]).some((p) => p.id === foxActor), 'fox, of the same link, is still there');
    assert.equal(after.listenerCount, 1);
  });

  it('A\'s logs and stored data (SQLite file and WAL) hold no address of B\'s clients', () => {
    const files = (dir: string): string[] => fs.readdirSync(dir, { withFileTypes: true })
      .flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : [path.join(dir, e.name)]));
    const stored = files(a.dataDir);
    assert.ok(stored.some((f) => f.endsWith('-wal')), `the SQLite WAL is among A's files: ${stored.map((f) => path.basename(f)).join(', ')}`);
    const data = Buffer.concat(stored.map((f) => fs.readFileSync(f)));
    const logs = a.output();
    // The scan sees what B's participants left on A: fox's actor id, the links' log lines.
    assert.ok(data.includes(foxActor), 'A stored B\'s persona');
    assert.ok(logs.includes('cascade link opened'), 'A logged the links');
    assert.equal(data.includes(B_CLIENT_IP), false, 'no B client address in A\'s stored data');
    assert.equal(logs.includes(B_CLIENT_IP), false, 'no B client address in A\'s logs');
  });
});

describe('cascade link admin settings (links refused both ways)', () => {
  let cluster: InstanceCluster;
  let a: TestInstance;
  let fedi: FakeRemote;

  before(async () => {
    cluster = await startInstances(['a'], { extraHosts: { 'fedi.hearth.test': '127.0.0.9' }, env: { HEARTH_LINKS_INCOMING: 'false', HEARTH_LINKS_OUTGOING: 'false' } });
    [a] = cluster.instances as [TestInstance];
    fedi = await FakeRemote.start(cluster.ca, 'fedi.hearth.test', '127.0.0.9');
  });
  after(async () => {
    await fedi?.close();
    await cluster?.stop();
  });

  it('refuses incoming link requests with 403 links_refused and opens no outgoing link (links_stopped)', { timeout: 30_000 }, async () => {
    const client = clusterClient(cluster);
    await signUp(client, a.url, 'alice', 'owl');
    const room = await client.post<RoomView>(`${a.url}/api/v1/rooms`, { title: 'Closed doors', visibility: 'public' });
    assert.equal(room.status, 201, room.text);
    const ana = fedi.addActor('ana', 'fedify');
    const refused = await requestLink(client, `${room.body.url}/join`, { type: 'LinkRequest', room: room.body.url, actor: ana.id, pipe: fakePipe() }, ana);
    assert.equal(refused.status, 403, refused.text);
    assert.equal(refused.body.error, 'links_refused');

    const socket = await SignalClient.connect(a.url, client.cookieHeader(), {}, { ca: cluster.caPem, ip: '127.0.0.2' });
    try {
      const answer = await socket.request('join', { roomId: 'https://b.hearth.test/rooms/elsewhere' });
      assert.equal(answer.ok, false);
      if (!answer.ok) {
        assert.equal(answer.error.code, 'remote_refused');
        assert.match(answer.error.message, /links_stopped/);
      }
    } finally {
      socket.close();
    }
  });
});
