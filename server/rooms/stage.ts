/**
 * The room state machine: who is in a live room, in which role, whose hand is
 * up, who is invited, muted or banned. Pure: no I/O, no timers, no clock; the
 * service feeds it operations and broadcasts what it answers. Every operation
 * returns a Result whose error is a closed union ({@link StageError}).
 */
import { err, ok, type Result } from '../core/result.js';
import { canPublish, change, MODERATING, type Arrival, type Departure, type LeaveReason, type Participant, type StageChange, type StageError } from './stage-model.js';
import { audiencePage, stageView, viewerView, type AudiencePage, type StageSnapshot, type StageView, type ViewerView } from './stage-views.js';

export { canPublish, participantHost, type Arrival, type Departure, type LeaveReason, type Participant, type Role, type StageChange, type StageError } from './stage-model.js';
export { AUDIENCE_HEAD, AUDIENCE_PAGE_MAX, HANDS_HEAD, type AudiencePage, type PublicParticipant, type StageSnapshot, type StageView, type ViewerView } from './stage-views.js';

/** One live room's participants and stage. */
export class RoomStage {
  readonly #participants = new Map<string, Participant>();
  readonly #hands: string[] = [];
  readonly #handSet = new Set<string>();
  readonly #banned = new Set<string>();
  #seq = 0;
  #ended = false;
  #hostId: string | null = null;

  /**
   * @param hostPersonaId - the persona that owns the room: becomes host whenever present
   * @param maxSpeakers - most participants on the stage at once (host included)
   */
  constructor(readonly hostPersonaId: string, readonly maxSpeakers: number) {}

  get ended(): boolean {
    return this.#ended;
  }

  get size(): number {
    return this.#participants.size;
  }

  get hostId(): string | null {
    return this.#hostId;
  }

  participant(id: string): Participant | undefined {
    return this.#participants.get(id);
  }

  participants(): Participant[] {
    return [...this.#participants.values()];
  }

  /** Whether `id` is banned (ids the service also persists). */
  isBanned(id: string): boolean {
    return this.#banned.has(id);
  }

  /** Adds someone; a second arrival with the same id replaces the first (reported as departed "replaced"). */
  join(arrival: Arrival): Result<{ participant: Participant; change: StageChange }, StageError> {
    if (this.#ended) return err('room_ended');
    if (this.#banned.has(arrival.id)) return err('banned');
    const departed: Departure[] = [];
    if (this.#participants.has(arrival.id)) {
      this.#drop(arrival.id);
      departed.push({ id: arrival.id, reason: 'replaced' });
    }
    const isOwner = arrival.kind === 'persona' && arrival.id === this.hostPersonaId;
    const participant: Participant = {
      ...arrival,
      hidden: arrival.kind === 'guest' ? true : arrival.hidden,
      role: 'listener',
      joinedSeq: ++this.#seq,
      invited: false,
      muted: false,
      mutedByModerator: false,
    };
    this.#participants.set(arrival.id, participant);
    const publishChanged: string[] = [];
    if (isOwner) {
      // The owner takes the room back; an acting host stays on stage as moderator.
      const acting = this.#hostId ? this.#participants.get(this.#hostId) : undefined;
      if (acting && acting.id !== arrival.id) acting.role = 'moderator';
      participant.role = 'host';
      this.#hostId = arrival.id;
      publishChanged.push(arrival.id);
    }
    // Anyone else arrives as a listener, even into a room without a host: a
    // stranger must not moderate just by being first.
    return ok({ participant, change: change({ departed, publishChanged }) });
  }

  /** Someone leaves; the host's departure hands the room to a moderator, else the longest-present speaker. */
  leave(id: string, reason: LeaveReason = 'left'): Result<StageChange, StageError> {
    if (!this.#participants.has(id)) return err('not_in_room');
    this.#drop(id);
    return ok(change({ departed: [{ id, reason }], publishChanged: this.#handOver() }));
  }

  raiseHand(id: string): Result<StageChange, StageError> {
    const p = this.#live(id);
    if (!p.ok) return p;
    if (p.value.kind === 'guest') return err('guests_cannot');
    if (p.value.role !== 'listener') return err('not_a_listener');
    if (!this.#handSet.has(id)) {
      this.#hands.push(id);
      this.#handSet.add(id);
    }
    return ok(change());
  }

  lowerHand(id: string): Result<StageChange, StageError> {
    const p = this.#live(id);
    if (!p.ok) return p;
    this.#lower(id);
    return ok(change());
  }

  /** A moderator invites a listener; the listener must accept before publishing. */
  invite(by: string, target: string): Result<StageChange, StageError> {
    const pair = this.#moderation(by, target);
    if (!pair.ok) return pair;
    const t = pair.value;
    if (t.kind === 'guest') return err('guests_cannot');
    if (t.role !== 'listener') return err('not_a_listener');
    if (this.#stageCount() >= this.maxSpeakers) return err('stage_full');
    t.invited = true;
    return ok(change({ invited: t.id }));
  }

  acceptInvite(id: string): Result<StageChange, StageError> {
    const p = this.#live(id);
    if (!p.ok) return p;
    if (!p.value.invited || p.value.role !== 'listener') return err('no_invitation');
    if (this.#stageCount() >= this.maxSpeakers) return err('stage_full');
    p.value.invited = false;
    p.value.role = 'speaker';
    p.value.muted = false;
    p.value.mutedByModerator = false;
    this.#lower(id);
    return ok(change({ publishChanged: [id] }));
  }

  declineInvite(id: string): Result<StageChange, StageError> {
    const p = this.#live(id);
    if (!p.ok) return p;
    if (!p.value.invited) return err('no_invitation');
    p.value.invited = false;
    return ok(change());
  }

  /** Moves a speaker or moderator back to the audience (a moderator, or the participant itself). */
  moveToAudience(by: string, target: string): Result<StageChange, StageError> {
    const pair = by === target ? this.#live(target) : this.#moderation(by, target);
    if (!pair.ok) return pair;
    const t = pair.value;
    if (t.role === 'host') return err('not_allowed');
    if (!canPublish(t.role)) return err('not_on_stage');
    t.role = 'listener';
    t.muted = false;
    t.mutedByModerator = false;
    return ok(change({ publishChanged: [t.id] }));
  }

  /** Mutes a participant on stage: by a moderator (sticky) or by themselves. */
  mute(by: string, target: string): Result<StageChange, StageError> {
    const pair = by === target ? this.#live(target) : this.#moderation(by, target);
    if (!pair.ok) return pair;
    const t = pair.value;
    if (!canPublish(t.role)) return err('not_on_stage');
    t.muted = true;
    if (by !== target) t.mutedByModerator = true;
    return ok(change({ muteChanged: [t.id] }));
  }

  /** Unmutes oneself, unless a moderator's mute still holds. */
  unmute(id: string): Result<StageChange, StageError> {
    const p = this.#live(id);
    if (!p.ok) return p;
    if (!canPublish(p.value.role)) return err('not_on_stage');
    if (p.value.mutedByModerator) return err('muted_by_moderator');
    p.value.muted = false;
    return ok(change({ muteChanged: [id] }));
  }

  /** A moderator lifts their mute: the speaker may unmute again (stays muted until they do). */
  allowUnmute(by: string, target: string): Result<StageChange, StageError> {
    const pair = this.#moderation(by, target);
    if (!pair.ok) return pair;
    pair.value.mutedByModerator = false;
    return ok(change({ muteChanged: [target] }));
  }

  remove(by: string, target: string): Result<StageChange, StageError> {
    const pair = this.#moderation(by, target);
    if (!pair.ok) return pair;
    this.#drop(target);
    return ok(change({ departed: [{ id: target, reason: 'removed' }], publishChanged: this.#handOver() }));
  }

  /** Removes and bans: a rejoin with the same id is refused. */
  ban(by: string, target: string): Result<StageChange, StageError> {
    const pair = this.#moderation(by, target);
    if (!pair.ok) return pair;
    this.#banned.add(target);
    this.#drop(target);
    return ok(change({ departed: [{ id: target, reason: 'banned' }] }));
  }

  /** Marks an id as banned without it being present (bans loaded from the store). */
  addBan(id: string): void {
    this.#banned.add(id);
  }

  /** Makes a speaker a moderator. */
  promote(by: string, target: string): Result<StageChange, StageError> {
    const pair = this.#moderation(by, target);
    if (!pair.ok) return pair;
    if (pair.value.role !== 'speaker') return err('not_on_stage');
    pair.value.role = 'moderator';
    return ok(change());
  }

  /** Makes a moderator a speaker again; only the host may. */
  demote(by: string, target: string): Result<StageChange, StageError> {
    const pair = this.#moderation(by, target);
    if (!pair.ok) return pair;
    if (this.#participants.get(by)?.role !== 'host') return err('not_allowed');
    if (pair.value.role !== 'moderator') return err('not_allowed');
    pair.value.role = 'speaker';
    return ok(change());
  }

  /** Ends the room (host or moderator): everyone departs with "room_ended". */
  end(by: string): Result<StageChange, StageError> {
    const p = this.#live(by);
    if (!p.ok) return p;
    if (!MODERATING.has(p.value.role)) return err('not_allowed');
    return ok(this.close('room_ended'));
  }

  /** Ends the room whoever asks (the service: idle timeout, host deleted). */
  close(reason: LeaveReason): StageChange {
    this.#ended = true;
    const departed = [...this.#participants.keys()].map((id) => ({ id, reason }));
    this.#participants.clear();
    this.#hands.length = 0;
    this.#handSet.clear();
    this.#hostId = null;
    return change({ departed });
  }

  /** The room as `viewer` sees it. */
  snapshot(viewer: string | null): StageSnapshot {
    return { ...this.view(), ...this.viewerView(viewer) };
  }
  /** What every participant sees alike (see {@link stageView}). */
  view(): StageView {
    return stageView(this.#participants.values(), this.#ended, this.#hostId);
  }

  /** What is `viewer`'s own: the hand queue for moderators, its own hand and entry. */
  viewerView(viewer: string | null): ViewerView {
    return viewerView(this.#participants, this.#hands, viewer, viewer !== null && this.#handSet.has(viewer));
  }

  /** The audience from `offset` (listeners who chose to be seen, in order of arrival), at most `limit` entries. */
  audiencePage(offset: number, limit: number): AudiencePage {
    return audiencePage(this.#participants.values(), offset, limit);
  }

  #stageCount(): number {
    let n = 0;
    for (const p of this.#participants.values()) if (canPublish(p.role)) n++;
    return n;
  }

  #live(id: string): Result<Participant, StageError> {
    if (this.#ended) return err('room_ended');
    const p = this.#participants.get(id);
    return p ? ok(p) : err('not_in_room');
  }

  /** The target of a moderation by `by`: `by` must moderate, the target exist and not be the host. */
  #moderation(by: string, target: string): Result<Participant, StageError> {
    const actor = this.#live(by);
    if (!actor.ok) return actor;
    if (!MODERATING.has(actor.value.role)) return err('not_allowed');
    const t = this.#participants.get(target);
    if (!t) return err('no_such_participant');
    if (t.role === 'host' || t.id === by) return err('not_allowed');
    return ok(t);
  }

  #lower(id: string): void {
    if (!this.#handSet.delete(id)) return;
    const at = this.#hands.indexOf(id);
    if (at >= 0) this.#hands.splice(at, 1);
  }

  #drop(id: string): void {
    this.#participants.delete(id);
    this.#lower(id);
    if (this.#hostId === id) this.#hostId = null;
  }

  /** With no host present: a moderator, else the longest-present speaker takes over. */
  #handOver(): string[] {
    if (this.#hostId !== null) return [];
    // The map keeps the order of arrival (a rejoin is a new entry): no sort.
    const people = [...this.#participants.values()];
    const next = people.find((p) => p.role === 'moderator') ?? people.find((p) => p.role === 'speaker');
    if (!next) return [];
    next.role = 'host';
    this.#hostId = next.id;
    return [];
  }
}
