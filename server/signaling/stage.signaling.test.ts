/**
 * The full stage sequence over real signaling connections: hand raised,
 * invited, accepted, muted, moved to the audience, removed, banned, promoted,
 * host handover and ending; every change reaches everyone who can see it
 * within 200 ms, judged by a state that did not hold before the request.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startRoomsHarness, type RoomsHarness } from '../../test/helpers/rooms-harness.js';
import type { SignalClient } from '../../test/helpers/signal-client.js';

type Snapshot = Record<string, unknown> & { stage: { id: string; role: string; muted: boolean; mutedByModerator: boolean }[]; audience: { id: string; invited: boolean }[]; hands: string[]; handRaised: boolean };

describe('stage over signaling (ws clients, real worker)', () => {
  let h: RoomsHarness;
  const open: SignalClient[] = [];
  before(async () => (h = await startRoomsHarness()));
  after(async () => {
    for (const c of open) c.close();
    await h.close();
  });

  it('runs hand-raise, invite, accept, mute, move-to-audience, remove, ban and handover', { timeout: 60_000 }, async () => {
    const host = await h.person('st_host');
    const ann = await h.person('st_ann');
    const bob = await h.person('st_bob');
    const cat = await h.person('st_cat');
    const roomId = String((await host.client.post('/api/v1/rooms', { title: 'Stage', visibility: 'public' })).body.id);
    const [H, A, B, C] = await Promise.all([host, ann, bob, cat].map(async (p) => {
      const c = await h.signal(p.cookie);
      open.push(c);
      return c;
    })) as [SignalClient, SignalClient, SignalClient, SignalClient];
    for (const c of [H, A, B, C]) await c.ok('join', { roomId });
    const all = [H, A, B, C];

    const latest = (c: SignalClient): Snapshot | undefined => c.currentRoom() as Snapshot | undefined;
    /**
     * Runs a request and checks that each of `who` sees the resulting state
     * within 200 ms. `match` must be false for everyone's latest state before
     * the request (checked), so only the broadcast of this change can satisfy it.
     */
    const everyoneSees = async (by: SignalClient, type: string, fields: Record<string, unknown>, match: (r: Snapshot, viewer: SignalClient) => boolean, who = all): Promise<void> => {
      for (const c of who) {
        const before = latest(c);
        assert.ok(before && !match(before, c), `${type}: the expected state held before the request (client ${all.indexOf(c)})`);
      }
      const started = Date.now();
      await by.ok(type, fields);
      await Promise.all(who.map((c) => c.room((r) => match(r as Snapshot, c), 2_000)));
      const took = Date.now() - started;
      assert.ok(took < 200, `${type}: state reached everyone in ${took} ms`);
    };
    const role = (r: Snapshot, id: string): string | undefined => r.stage.find((p) => p.id === id)?.role ?? (r.audience.some((p) => p.id === id) ? 'listener' : undefined);

    await Promise.all(all.map((c) => c.room((r) => (r as Snapshot).audience.length === 3)));
    // A raised hand shows to its owner (handRaised) and to moderators (the queue); listeners see nothing change.
    await everyoneSees(A, 'raiseHand', {}, (r, c) => (c === H ? r.hands.includes(ann.personaId) : r.handRaised), [H, A]);
    await everyoneSees(C, 'raiseHand', {}, (r, c) => (c === H ? r.hands.includes(cat.personaId) : r.handRaised), [H, C]);
    const hands = await H.room((r) => (r as Snapshot).hands.length === 2);
    assert.deepEqual(hands.hands, [ann.personaId, cat.personaId], 'ordered queue, visible to the host');
    assert.deepEqual(latest(B)?.hands, [], 'not visible to listeners');

    const invited = A.event('invited');
    await everyoneSees(H, 'invite', { participantId: ann.personaId }, (r) => r.audience.some((p) => p.id === ann.personaId && p.invited));
    await invited;
    assert.equal(role(latest(H) as Snapshot, ann.personaId), 'listener', 'not on stage before accepting');
    const grantEvent = A.event('grant', (g) => g.canPublish === true);
    await everyoneSees(A, 'acceptInvite', {}, (r) => role(r, ann.personaId) === 'speaker');
    await grantEvent;

    await everyoneSees(H, 'mute', { participantId: ann.personaId }, (r) => r.stage.some((p) => p.id === ann.personaId && p.mutedByModerator));
    const unmute = await A.request('unmute');
    assert.equal(unmute.ok ? 'ok' : unmute.error.code, 'muted_by_moderator');
    await everyoneSees(H, 'allowUnmute', { participantId: ann.personaId }, (r) => r.stage.some((p) => p.id === ann.personaId && !p.mutedByModerator && p.muted));
    await everyoneSees(A, 'unmute', {}, (r) => r.stage.some((p) => p.id === ann.personaId && !p.muted));

    const refused = await B.request('moveToAudience', { participantId: ann.personaId });
    assert.equal(refused.ok ? 'ok' : refused.error.code, 'not_allowed');
    await everyoneSees(H, 'moveToAudience', { participantId: ann.personaId }, (r) => role(r, ann.personaId) === 'listener');
    await A.event('grant', (g) => g.canPublish === false);

    const bobLeft = B.event('left', (d) => d.reason === 'removed');
    await everyoneSees(H, 'remove', { participantId: bob.personaId }, (r) => role(r, bob.personaId) === undefined, [H, A, C]);
    await bobLeft;
    await B.ok('join', { roomId });
    await Promise.all([H, A, C].map((c) => c.room((r) => role(r as Snapshot, bob.personaId) === 'listener')));
    const banned = B.event('left', (d) => d.reason === 'banned', 5_000, B.events.length);
    await everyoneSees(H, 'ban', { participantId: bob.personaId }, (r) => role(r, bob.personaId) === undefined, [H, A, C]);
    await banned;
    const rejoin = await B.request('join', { roomId });
    assert.equal(rejoin.ok ? 'ok' : rejoin.error.code, 'banned', 'the ban applies to rejoins');
    assert.equal(await h.store.rooms.isBanned(roomId, bob.personaId), true, 'persisted');

    // Cat on stage, Ann on stage and promoted: when the host leaves, the moderator takes over.
    await H.ok('invite', { participantId: cat.personaId });
    await C.ok('acceptInvite');
    await H.ok('invite', { participantId: ann.personaId });
    await A.ok('acceptInvite');
    await everyoneSees(H, 'promote', { participantId: ann.personaId }, (r) => role(r, ann.personaId) === 'moderator', [H, A, C]);
    const demote = await A.request('demote', { participantId: cat.personaId });
    assert.equal(demote.ok ? 'ok' : demote.error.code, 'not_allowed');
    await H.ok('leave');
    const after = await C.room((r) => r.hostId === ann.personaId);
    assert.equal(role(after as Snapshot, ann.personaId), 'host');

    const ended = [A, C].map((c) => c.event('left', (d) => d.reason === 'room_ended'));
    await A.ok('endRoom');
    await Promise.all(ended);
    assert.equal((await h.store.rooms.get(roomId))?.state, 'ended');
  });
});
