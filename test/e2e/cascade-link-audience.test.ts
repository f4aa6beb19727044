/**
 * The audience page over a cascade link, asked by a hostile linked instance
 * (a Fedify-shaped peer that speaks the link protocol itself): the host
 * answers only for a participant that came in through the asking link, and
 * only with what a listener of the room sees over signaling. A member id of
 * another instance, of the host's own instance, of another room or a made-up
 * one gets a clear error code and no audience entries.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FakeRemote, type FakeActor } from '../helpers/fake-remote.js';
import { fakePipe, ForgedControl, requestLink } from '../helpers/forged-link.js';
import type { TestClient } from '../helpers/http-client.js';
import { clusterClient, signUp, startInstances, type InstanceCluster, type TestInstance } from '../helpers/instances.js';
import { SignalClient } from '../helpers/signal-client.js';

interface RoomView { url: string }
type Entry = { id: string; handle: string | null };
interface AudiencePage { audience: Entry[]; audienceCount: number; next: number | null }

describe('audience pages over a cascade link, asked by a hostile linked instance', () => {
  let cluster: InstanceCluster;
  let a: TestInstance;
  let owner: TestClient;
  let fedi: FakeRemote;
  let other: FakeRemote;
  let ana: FakeActor;
  let zed: FakeActor;
  let shy: FakeActor;
  const sockets: SignalClient[] = [];
  const controls: ForgedControl[] = [];
  const tls = (): { ca: string; ip: string } => ({ ca: cluster.caPem, ip: '127.0.0.2' });

  const signal = async (client?: TestClient): Promise<SignalClient> => {
    const s = await SignalClient.connect(a.url, client?.cookieHeader(), {}, tls());
    sockets.push(s);
    return s;
  };
  const createRoom = async (title: string): Promise<{ url: string; id: string }> => {
    const res = await owner.post<RoomView>(`${a.url}/api/v1/rooms`, { title, visibility: 'public' });
    assert.equal(res.status, 201, res.text);
    return { url: res.body.url, id: res.body.url.split('/').pop() ?? '' };
  };
  /** A link for `roomUrl` requested by `actor`'s instance, and its control channel. */
  const link = async (roomUrl: string, actor: FakeActor): Promise<ForgedControl> => {
    const res = await requestLink(owner, `${roomUrl}/join`, { type: 'LinkRequest', room: roomUrl, actor: actor.id, pipe: fakePipe() }, actor);
    assert.equal(res.status, 201, res.text);
    const control = await ForgedControl.open(res.body as { control: string; token: string }, tls());
    controls.push(control);
    return control;
  };

  before(async () => {
    cluster = await startInstances(['a'], { extraHosts: { 'fedi.hearth.test': '127.0.0.9', 'other.hearth.test': '127.0.0.10' } });
    a = cluster.instances[0] as TestInstance;
    owner = clusterClient(cluster);
    await signUp(owner, a.url, 'alice', 'owl');
    fedi = await FakeRemote.start(cluster.ca, 'fedi.hearth.test', '127.0.0.9');
    other = await FakeRemote.start(cluster.ca, 'other.hearth.test', '127.0.0.10');
    ana = fedi.addActor('ana', 'fedify');
    zed = other.addActor('zed', 'fedify');
    shy = other.addActor('shy', 'fedify');
  });
  after(async () => {
    for (const c of controls) c.close();
    for (const s of sockets) s.close();
    await fedi?.close();
    await other?.close();
    await cluster?.stop();
  });

  it('answers only for a participant of the asking link, with what a listener sees; others get an error code and no entries', { timeout: 60_000 }, async () => {
    const room = await createRoom('Listening post');
    const elsewhere = await createRoom('Elsewhere');
    // A's host on stage; a visible and a hidden listener of A; an anonymous guest (hidden).
    const host = await signal(owner);
    const hostId = String((await host.ok('join', { roomId: room.id })).participantId);
    const dora = clusterClient(cluster);
    await signUp(dora, a.url, 'dora', 'dove');
    const doveSocket = await signal(dora);
    const dove = String((await doveSocket.ok('join', { roomId: room.id })).participantId);
    const hazel = clusterClient(cluster);
    await signUp(hazel, a.url, 'hazel', 'hare');
    const hidden = String((await (await signal(hazel)).ok('join', { roomId: room.id, hidden: true })).participantId);
    const guestId = String((await (await signal()).ok('join', { roomId: room.id })).participantId);
    // A member of another room only.
    const wrenClient = clusterClient(cluster);
    await signUp(wrenClient, a.url, 'will', 'wren');
    const wren = String((await (await signal(wrenClient)).ok('join', { roomId: elsewhere.id })).participantId);
    // Another linked instance with a visible and a hidden member in the room.
    const otherLink = await link(room.url, zed);
    assert.equal((await otherLink.ask('z1', { type: 'announce', participant: { kind: 'persona', actor: zed.id, displayName: 'Zed', hidden: false } })).ok, true);
    assert.equal((await otherLink.ask('z2', { type: 'announce', participant: { kind: 'persona', actor: shy.id, displayName: 'Shy', hidden: true } })).ok, true);

    const hostile = await link(room.url, ana);
    const page = (id: string, participantId: string, extra: Record<string, unknown> = {}) =>
      hostile.ask(id, { type: 'audience', participantId, offset: 0, limit: 100, ...extra });
    const refusals: [string, string, Record<string, unknown>?][] = [
      // Its own actor before announcing it, and made-up ids.
      [ana.id, 'not_announced'],
      [`${fedi.origin}/users/nobody`, 'not_announced'],
      ['nobody', 'not_announced'],
      // Members of the room that came another way: A's host and listeners, A's guest, the other instance's members.
      [hostId, 'not_from_this_link'],
      [dove, 'not_from_this_link'],
      [hidden, 'not_from_this_link'],
      [guestId, 'not_from_this_link'],
      [zed.id, 'not_from_this_link'],
      [shy.id, 'not_from_this_link'],
      // A member of a room this link is not for; naming that room is not part of the protocol.
      [wren, 'not_announced'],
      [ana.id, 'invalid_message', { roomId: elsewhere.id }],
      [ana.id, 'invalid_message', { room: elsewhere.url }],
    ];
    for (const [n, [participantId, code, extra]] of refusals.entries()) {
      const answer = await page(`r${n}`, participantId, extra);
      assert.equal(answer.ok, false, `${participantId} ${JSON.stringify(extra ?? {})}: refused`);
      assert.equal(answer.error?.code, code, `${participantId} ${JSON.stringify(extra ?? {})}`);
      assert.equal(answer.data, undefined, `${participantId}: no audience entries`);
    }

    // Announced, its participant gets the page a listener of A gets over signaling: no hidden
    // listener (A's, the guest, the other instance's), nobody on stage.
    assert.equal((await hostile.ask('a1', { type: 'announce', participant: { kind: 'persona', actor: ana.id, displayName: 'Ana', hidden: false } })).ok, true);
    const seen = await page('p1', ana.id);
    assert.equal(seen.ok, true, JSON.stringify(seen.error));
    const linked = seen.data as unknown as AudiencePage;
    const local = (await doveSocket.ok('audience', { offset: 0, limit: 100 })) as unknown as AudiencePage;
    assert.deepEqual(linked, local, 'the same page as a listener of A');
    assert.deepEqual(new Set(linked.audience.map((p) => p.id)), new Set([dove, zed.id, ana.id]));
    assert.equal(linked.audienceCount, 3);
    // Paging stays inside that view.
    const second = await page('p2', ana.id, { offset: 2, limit: 1 });
    assert.deepEqual((second.data as unknown as AudiencePage).audience, [linked.audience[2]]);

    // Once it departs, its id is refused again.
    assert.equal((await hostile.ask('d1', { type: 'depart', participantId: ana.id })).ok, true);
    const gone = await page('p3', ana.id);
    assert.equal(gone.error?.code, 'not_announced');
    assert.equal(gone.data, undefined);
  });
});
