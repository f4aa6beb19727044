/** The room page's HTML: accessible markup the client script fills in. */

const escape = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function renderRoomPage(roomId: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Hearth room</title>
</head>
<body>
<main id="app" data-room-id="${escape(roomId)}">
  <h1 id="room-title">Room</h1>
  <p id="status" role="status" aria-live="polite">Not connected.</p>
  <div>
    <button type="button" id="join">Join and listen</button>
    <label><input type="checkbox" id="hidden"> Listen without appearing in the audience</label>
  </div>
  <div id="controls" hidden>
    <button type="button" id="raise-hand" aria-pressed="false">Raise hand</button>
    <button type="button" id="accept-invite" hidden>Accept invitation to speak</button>
    <button type="button" id="mute" aria-pressed="false" hidden>Mute microphone</button>
    <button type="button" id="leave">Leave</button>
  </div>
  <section aria-labelledby="stage-heading">
    <h2 id="stage-heading">On stage</h2>
    <ul id="stage" aria-live="polite"></ul>
  </section>
  <section aria-labelledby="audience-heading">
    <h2 id="audience-heading">Audience</h2>
    <p id="listener-count" aria-live="polite"></p>
    <ul id="audience"></ul>
  </section>
  <div id="audio" hidden></div>
</main>
<script type="module" src="/assets/client.js"></script>
</body>
</html>
`;
}
