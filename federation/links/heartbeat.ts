/**
 * Liveness of a cascade control channel (ADR 0042). A linked instance that
 * stalls (its process stopped, its event loop stuck, its socket no longer
 * read) keeps its TCP connection open: without a heartbeat its link, its
 * participants and its pipe would stay forever. Each side pings every
 * `intervalMs` with WebSocket ping frames (answered by the peer's WebSocket
 * library, no application message); a side whose previous ping got no pong
 * by the next one is unresponsive. So is one whose unsent backlog grew past
 * {@link MAX_BACKLOG_BYTES}: it stopped reading.
 */
import type WebSocket from 'ws';

/** Ping interval of the control channel; an unresponsive peer is found within two. */
export const LINK_HEARTBEAT_MS = 5_000;
/** Control messages queued for a peer that does not read them, at most. */
export const MAX_BACKLOG_BYTES = 1024 * 1024;

/**
 * Starts the heartbeat on an open WebSocket; `onUnresponsive` is called once
 * (the caller closes its link and terminates the socket). Stops by itself
 * when the socket closes.
 */
export function watchLiveness(ws: WebSocket, onUnresponsive: () => void, intervalMs = LINK_HEARTBEAT_MS): void {
  let answered = true;
  ws.on('pong', () => {
    answered = true;
  });
  let lastTick = Date.now();
  const timer = setInterval(() => {
    const now = Date.now();
    // This tick came late: this process was the one stalled (a long pause, a stopped process), and a pong
    // may be waiting unread behind this timer. Judge the peer at the next tick, not now.
    const late = now - lastTick > intervalMs * 1.5;
    lastTick = now;
    if (late) {
      answered = false;
      ws.ping();
      return;
    }
    if (!answered || ws.bufferedAmount > MAX_BACKLOG_BYTES) {
      clearInterval(timer);
      onUnresponsive();
      return;
    }
    answered = false;
    ws.ping();
  }, intervalMs);
  timer.unref();
  ws.once('close', () => clearInterval(timer));
}

/** Whether a peer stopped reading: more than {@link MAX_BACKLOG_BYTES} wait to be sent to it. */
export function backlogged(ws: WebSocket): boolean {
  return ws.bufferedAmount > MAX_BACKLOG_BYTES;
}
