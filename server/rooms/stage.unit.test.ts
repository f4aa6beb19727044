/** The room state machine alone: no store, no media, no sockets. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AUDIENCE_HEAD, HANDS_HEAD, RoomStage, type Arrival } from './stage.js';

const persona = (id: string, hidden = false): Arrival => ({ id, kind: 'persona', handle: id, displayName: id.toUpperCase(), hidden });
const guest = (id: string): Arrival => ({ id, kind: 'guest', handle: null, displayName: null, hidden: false });

function room(): RoomStage {
  const s = new RoomStage('host', 3);
  for (const a of [persona('host'), persona('ann'), persona('bob'), persona('cat')]) assert.ok(s.join(a).ok);
  return s;
}

const fail = (r: { ok: boolean; error?: unknown }): unknown => (r.ok ? 'ok' : r.error);

describe('room stage (pure state machine)', () => {
  it('makes the owner host and everyone else a listener', () => {
    const s = room();
    assert.equal(s.hostId, 'host');
    assert.equal(s.participant('host')?.role, 'host');
    assert.equal(s.participant('ann')?.role, 'listener');
    const snap = s.snapshot('ann');
    assert.deepEqual(snap.stage.map((p) => p.id), ['host']);
    assert.deepEqual(snap.audience.map((p) => p.id), ['ann', 'bob', 'cat']);
    assert.equal(snap.listenerCount, 3);
  });

  it('keeps raised hands in order, visible to moderators only', () => {
    const s = room();
    assert.ok(s.raiseHand('cat').ok);
    assert.ok(s.raiseHand('ann').ok);
    assert.ok(s.raiseHand('cat').ok, 'raising twice keeps the place');
    assert.deepEqual(s.snapshot('host').hands, ['cat', 'ann']);
    assert.deepEqual(s.snapshot('bob').hands, []);
    assert.equal(s.snapshot('cat').handRaised, true);
    assert.ok(s.lowerHand('cat').ok);
    assert.deepEqual(s.snapshot('host').hands, ['ann']);
    assert.equal(fail(s.raiseHand('host')), 'not_a_listener');
  });

  it('invites a listener who must accept before being on stage', () => {
    const s = room();
    assert.ok(s.raiseHand('ann').ok);
    assert.equal(fail(s.invite('bob', 'ann')), 'not_allowed', 'a listener cannot invite');
    const invited = s.invite('host', 'ann');
    assert.ok(invited.ok && invited.value.invited === 'ann');
    assert.equal(s.participant('ann')?.role, 'listener', 'not on stage before accepting');
    assert.equal(fail(s.acceptInvite('bob')), 'no_invitation');
    const accepted = s.acceptInvite('ann');
    assert.ok(accepted.ok);
    assert.deepEqual(accepted.value.publishChanged, ['ann']);
    assert.equal(s.participant('ann')?.role, 'speaker');
    assert.deepEqual(s.snapshot('host').hands, [], 'accepting lowers the hand');
    assert.ok(s.invite('host', 'bob').ok);
    assert.ok(s.declineInvite('bob').ok);
    assert.equal(s.participant('bob')?.role, 'listener');
  });

  it('enforces maxSpeakers on invite and on accept', () => {
    const s = room();
    assert.ok(s.invite('host', 'ann').ok);
    assert.ok(s.invite('host', 'bob').ok);
    assert.ok(s.acceptInvite('ann').ok);
    assert.ok(s.acceptInvite('bob').ok);
    assert.equal(fail(s.invite('host', 'cat')), 'stage_full');
  });

  it('sticky moderator mute: the speaker cannot unmute until allowed', () => {
    const s = room();
    s.invite('host', 'ann');
    s.acceptInvite('ann');
    assert.ok(s.mute('ann', 'ann').ok);
    assert.ok(s.unmute('ann').ok, 'a self-mute is lifted by oneself');
    assert.ok(s.mute('host', 'ann').ok);
    assert.equal(s.participant('ann')?.mutedByModerator, true);
    assert.equal(fail(s.unmute('ann')), 'muted_by_moderator');
    assert.ok(s.allowUnmute('host', 'ann').ok);
    assert.equal(s.participant('ann')?.muted, true, 'still muted until they unmute');
    assert.ok(s.unmute('ann').ok);
    assert.equal(s.participant('ann')?.muted, false);
    assert.equal(fail(s.mute('host', 'bob')), 'not_on_stage');
    assert.equal(fail(s.mute('ann', 'host')), 'not_allowed');
  });

  it('moves a speaker back to the audience, removes and bans', () => {
    const s = room();
    s.invite('host', 'ann');
    s.acceptInvite('ann');
    const moved = s.moveToAudience('host', 'ann');
    assert.ok(moved.ok);
    assert.deepEqual(moved.value.publishChanged, ['ann']);
    assert.equal(s.participant('ann')?.role, 'listener');
    assert.equal(fail(s.moveToAudience('host', 'bob')), 'not_on_stage');
    const removed = s.remove('host', 'bob');
    assert.ok(removed.ok);
    assert.deepEqual(removed.value.departed, [{ id: 'bob', reason: 'removed' }]);
    assert.ok(s.join(persona('bob')).ok, 'a removed participant may come back');
    const banned = s.ban('host', 'bob');
    assert.ok(banned.ok);
    assert.deepEqual(banned.value.departed, [{ id: 'bob', reason: 'banned' }]);
    assert.equal(fail(s.join(persona('bob'))), 'banned');
    assert.equal(fail(s.remove('ann', 'cat')), 'not_allowed');
    assert.equal(fail(s.remove('host', 'nobody')), 'no_such_participant');
  });

  it('promotes and demotes moderators; only the host demotes', () => {
    const s = room();
    s.invite('host', 'ann');
    s.acceptInvite('ann');
    assert.equal(fail(s.promote('host', 'bob')), 'not_on_stage');
    assert.ok(s.promote('host', 'ann').ok);
    assert.equal(s.participant('ann')?.role, 'moderator');
    assert.ok(s.invite('ann', 'bob').ok, 'a moderator invites');
    s.acceptInvite('bob');
    assert.ok(s.promote('ann', 'bob').ok);
    assert.equal(fail(s.demote('ann', 'bob')), 'not_allowed');
    assert.ok(s.demote('host', 'bob').ok);
    assert.equal(s.participant('bob')?.role, 'speaker');
  });

  it('hands over to a moderator, else the longest-present speaker; the owner takes it back', () => {
    const s = room();
    for (const id of ['ann', 'bob']) {
      s.invite('host', id);
      s.acceptInvite(id);
    }
    s.promote('host', 'bob');
    assert.ok(s.leave('host').ok);
    assert.equal(s.hostId, 'bob', 'the moderator, although ann is on stage longer');
    const s2 = room();
    for (const id of ['ann', 'bob']) {
      s2.invite('host', id);
      s2.acceptInvite(id);
    }
    s2.leave('host');
    assert.equal(s2.hostId, 'ann', 'longest-present speaker');
    assert.ok(s2.join(persona('host')).ok);
    assert.equal(s2.hostId, 'host');
    assert.equal(s2.participant('ann')?.role, 'moderator');
  });

  it('counts guests and hidden listeners without listing them; guests cannot raise hands', () => {
    const s = room();
    assert.ok(s.join(guest('guest:1')).ok);
    assert.ok(s.join(persona('shy', true)).ok);
    const snap = s.snapshot('ann');
    assert.deepEqual(snap.audience.map((p) => p.id), ['ann', 'bob', 'cat']);
    assert.equal(snap.listenerCount, 5);
    assert.equal(snap.guestCount, 1);
    assert.equal(fail(s.raiseHand('guest:1')), 'guests_cannot');
    assert.equal(fail(s.invite('host', 'guest:1')), 'guests_cannot');
  });

  it('ends the room for everyone; nothing works afterwards', () => {
    const s = room();
    assert.equal(fail(s.end('ann')), 'not_allowed');
    const ended = s.end('host');
    assert.ok(ended.ok);
    assert.deepEqual(ended.value.departed.map((d) => d.reason), ['room_ended', 'room_ended', 'room_ended', 'room_ended']);
    assert.equal(s.ended, true);
    assert.equal(fail(s.join(persona('ann'))), 'room_ended');
    assert.equal(fail(s.raiseHand('ann')), 'room_ended');
  });

  it('replaces a second arrival with the same id', () => {
    const s = room();
    const again = s.join(persona('ann'));
    assert.ok(again.ok);
    assert.deepEqual(again.value.change.departed, [{ id: 'ann', reason: 'replaced' }]);
    assert.equal(s.size, 4);
  });

  it('lists the audience head only, counts the rest, and pages through it in order of arrival', () => {
    const s = new RoomStage('host', 3);
    assert.ok(s.join(persona('host')).ok);
    const n = AUDIENCE_HEAD + 80;
    for (let i = 0; i < n; i++) assert.ok(s.join(persona(`p${i}`, i % 10 === 9)).ok);
    assert.ok(s.join(guest('guest:g')).ok);
    // A rejoin goes to the end of the order of arrival.
    assert.ok(s.join(persona('p0')).ok);
    const visible = Array.from({ length: n }, (_, i) => `p${i}`).filter((_, i) => i % 10 !== 9);
    const order = [...visible.slice(1), 'p0'];
    const view = s.view();
    assert.equal(view.audience.length, AUDIENCE_HEAD);
    assert.deepEqual(view.audience.map((p) => p.id), order.slice(0, AUDIENCE_HEAD));
    assert.equal(view.audienceCount, order.length);
    assert.equal(view.listenerCount, n + 1);
    assert.equal(view.guestCount, 1);
    const seen: string[] = [];
    let offset: number | null = 0;
    while (offset !== null) {
      const page = s.audiencePage(offset, 25);
      assert.ok(page.audience.length <= 25);
      assert.equal(page.audienceCount, order.length);
      seen.push(...page.audience.map((p) => p.id));
      offset = page.next;
    }
    assert.deepEqual(seen, order);
    assert.deepEqual(s.audiencePage(order.length + 5, 10), { audience: [], audienceCount: order.length, next: null });
    assert.equal(s.audiencePage(0, 10_000).audience.length, 100, 'a page is at most 100');
    // Each one sees themselves, even far down the audience or hidden.
    assert.equal(s.snapshot('p120').self?.id, 'p120');
    assert.equal(s.snapshot('p9').self?.id, 'p9');
    assert.equal(s.snapshot('guest:g').self?.id, 'guest:g');
    assert.equal(s.snapshot('nobody').self, null);
  });

  it('gives moderators the head of the hand queue with its people, and its length', () => {
    const s = new RoomStage('host', 3);
    assert.ok(s.join(persona('host')).ok);
    const n = HANDS_HEAD + 20;
    for (let i = 0; i < n; i++) {
      assert.ok(s.join(persona(`p${i}`, i === 1)).ok);
      assert.ok(s.raiseHand(`p${i}`).ok);
    }
    const host = s.viewerView('host');
    assert.equal(host.hands.length, HANDS_HEAD);
    assert.equal(host.handCount, n);
    assert.deepEqual(host.hands.slice(0, 3), ['p0', 'p1', 'p2']);
    // A hidden listener's hand is listed, but not who they are.
    assert.deepEqual(host.raisedHands.slice(0, 2).map((p) => p.id), ['p0', 'p2']);
    const listener = s.viewerView('p5');
    assert.deepEqual([listener.hands, listener.handCount, listener.raisedHands, listener.handRaised], [[], 0, [], true]);
    assert.ok(s.lowerHand('p0').ok);
    assert.equal(s.viewerView('host').handCount, n - 1);
    assert.equal(s.viewerView('p0').handRaised, false);
  });
});
