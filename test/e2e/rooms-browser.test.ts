/**
 * Real WebRTC: headless Chromium pages running the reference client against
 * a real server and real mediasoup workers. Audio is judged by inbound-rtp
 * bytesReceived and totalAudioEnergy, never by one audioLevel sample.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { audioStats, HAVE_CHROMIUM, openRoomPage, waitForAudio, type BrowserPeer } from '../helpers/browser.js';
import { startRoomsHarness, type RoomsHarness } from '../helpers/rooms-harness.js';
import type { SignalClient } from '../helpers/signal-client.js';

const skip = HAVE_CHROMIUM ? {} : { skip: 'no /usr/bin/chromium (npm test installs it when run as root)' };

describe('rooms in the browser (Chromium, real WebRTC, real workers)', skip, () => {
  let h: RoomsHarness;
  const peers: BrowserPeer[] = [];
  const signals: SignalClient[] = [];
  before(async () => {
    h = await startRoomsHarness({ workers: 2 });
  });
  after(async () => {
    for (const p of peers) await p.close();
    for (const c of signals) c.close();
    await h.close();
  });

  const join = async (roomId: string, cookie?: string): Promise<BrowserPeer> => {
    const peer = await openRoomPage(h.baseUrl, roomId, cookie);
    peers.push(peer);
    await peer.page.getByRole('button', { name: 'Join and listen' }).click({ timeout: 10_000 });
    await peer.page.getByRole('status').filter({ hasText: /Joined|on stage/ }).waitFor({ timeout: 10_000 });
    return peer;
  };

  it('carries a speaker to every listener, through invite and accept; mute stops it; worker death recovers', { timeout: 120_000 }, async () => {
    const host = await h.person('br_host');
    const speaker = await h.person('br_speaker');
    const listener = await h.person('br_listener');
    const roomId = String((await host.client.post('/api/v1/rooms', { title: 'Browser', visibility: 'public' })).body.id);
    type Seen = { stage: { id: string; muted: boolean }[]; audience: { id: string }[]; hands: string[] };

    // The host moderates over its own signaling connection (the protocol, not the service);
    // the others are pages that listen, raise hands and accept invitations by clicking.
    const hostSignal = await h.signal(host.cookie);
    signals.push(hostSignal);
    await hostSignal.ok('join', { roomId });
    const speakerPage = await join(roomId, speaker.cookie);
    const listenerPage = await join(roomId, listener.cookie);
    const guestPage = await join(roomId);

    // The host invites a listener over signaling; she accepts in her page and both others hear her.
    await hostSignal.room((r) => (r as Seen).audience.some((p) => p.id === speaker.personaId));
    await hostSignal.ok('invite', { participantId: speaker.personaId });
    await speakerPage.page.getByRole('button', { name: 'Accept invitation to speak' }).click({ timeout: 5_000 });
    await speakerPage.page.getByRole('button', { name: 'Mute microphone' }).waitFor({ timeout: 5_000 });
    await waitForAudio(listenerPage.page, 15_000);
    await waitForAudio(guestPage.page, 15_000);

    // The listener raises a hand in the page; the host sees it in the queue and invites over signaling;
    // the listener accepts in the page and is heard by the guest and the first speaker.
    await listenerPage.page.getByRole('button', { name: 'Raise hand' }).click({ timeout: 5_000 });
    await hostSignal.room((r) => (r as Seen).hands.includes(listener.personaId));
    await hostSignal.ok('invite', { participantId: listener.personaId });
    await listenerPage.page.getByRole('button', { name: 'Accept invitation to speak' }).click({ timeout: 5_000 });
    await listenerPage.page.getByRole('button', { name: 'Mute microphone' }).waitFor({ timeout: 5_000 });
    await hostSignal.room((r) => (r as Seen).stage.some((p) => p.id === listener.personaId));
    await waitForAudio(speakerPage.page, 15_000);
    const guestBefore = await audioStats(guestPage.page);
    assert.equal(guestBefore.consumers, 2, 'the guest consumes both speakers');

    // The listener mutes in the page: the server pauses the producer and the first speaker stops
    // receiving it, while the guest keeps hearing the first speaker over the same window.
    await listenerPage.page.getByRole('button', { name: 'Mute microphone' }).click({ timeout: 5_000 });
    await listenerPage.page.getByRole('button', { name: 'Unmute microphone' }).waitFor({ timeout: 5_000 });
    await hostSignal.room((r) => (r as Seen).stage.some((p) => p.id === listener.personaId && p.muted));
    await new Promise((r) => setTimeout(r, 300)); // packets already on the wire drain
    const mutedStart = await audioStats(speakerPage.page);
    // A one-second window, in which the guest's audio keeps growing (the media path is alive).
    const windowEnds = Date.now() + 1_000;
    let guestNow = await audioStats(guestPage.page);
    while (Date.now() < windowEnds) guestNow = await waitForAudio(guestPage.page, 5_000, guestNow);
    const mutedEnd = await audioStats(speakerPage.page);
    assert.ok(mutedEnd.bytesReceived - mutedStart.bytesReceived < 500, `muted: ${mutedEnd.bytesReceived - mutedStart.bytesReceived} bytes while the guest kept receiving`);
    await listenerPage.page.getByRole('button', { name: 'Unmute microphone' }).click({ timeout: 5_000 });
    await waitForAudio(speakerPage.page, 5_000, mutedEnd);
    const live = h.rooms.service.live(roomId);
    assert.ok(live);

    // Active-speaker events reach a plain signaling client, at most five a second.
    const watcher = await h.signal();
    await watcher.ok('join', { roomId });
    const from = watcher.events.length;
    await watcher.event('activeSpeaker', (d) => typeof d.participantId === 'string', 10_000, from);
    const windowStart = watcher.events.length;
    await new Promise((r) => setTimeout(r, 2_000));
    const inWindow = watcher.events.slice(windowStart).filter((e) => e.event === 'activeSpeaker').length;
    assert.ok(inWindow <= 11, `${inWindow} active-speaker events in 2 s`);
    watcher.close();

    // Worker death: the room moves to the other worker and audio resumes within 3 s.
    const pid = live.media?.workerPid;
    assert.ok(pid);
    const killedAt = Date.now();
    process.kill(pid, 'SIGKILL');
    await guestPage.page.getByRole('status').filter({ hasText: 'Audio reconnected.' }).waitFor({ timeout: 10_000 });
    const resumed = await waitForAudio(guestPage.page, 10_000);
    const took = Date.now() - killedAt;
    assert.ok(resumed.consumers >= 1);
    assert.ok(took < 3_000, `audio resumed ${took} ms after the worker died`);
    assert.notEqual(live.media?.workerPid, pid, 'the room is on another worker');
  });
});
