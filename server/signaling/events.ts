/**
 * The server events of the signaling protocol (docs/protocol/signaling.md):
 * the wire form of the rooms' participant events, plus `left`.
 */
import { assertNever } from '../core/result.js';
import type { GrantView, ParticipantEvent, RoomCounts, RoomState } from '../rooms/index.js';

/** Events the server pushes to a peer. */
export type ServerEvent =
  | { event: 'room'; data: RoomState }
  | { event: 'roomCounts'; data: RoomCounts }
  | { event: 'grant'; data: GrantView }
  | { event: 'invited'; data: { roomId: string } }
  | { event: 'producerAdded'; data: { producerId: string; participantId: string } }
  | { event: 'producerClosed'; data: { producerId: string; participantId: string } }
  | { event: 'activeSpeaker'; data: { participantId: string | null } }
  | { event: 'reconnect'; data: { reason: 'worker_died'; routerRtpCapabilities: unknown } }
  | { event: 'left'; data: { roomId: string; reason: string } };

/** A room's participant event as the frame a WebSocket peer gets. */
export function serverEventOf(e: ParticipantEvent): ServerEvent {
  switch (e.kind) {
    case 'state':
      return { event: 'room', data: e.room };
    case 'counts':
      return { event: 'roomCounts', data: e.counts };
    case 'grant':
      return { event: 'grant', data: e.grant };
    case 'invited':
      return { event: 'invited', data: { roomId: e.roomId } };
    case 'producerAdded':
      return { event: 'producerAdded', data: { producerId: e.producerId, participantId: e.participantId } };
    case 'producerClosed':
      return { event: 'producerClosed', data: { producerId: e.producerId, participantId: e.participantId } };
    case 'activeSpeaker':
      return { event: 'activeSpeaker', data: { participantId: e.participantId } };
    case 'mediaMoved':
      return { event: 'reconnect', data: { reason: e.reason, routerRtpCapabilities: e.routerRtpCapabilities } };
    default:
      return assertNever(e);
  }
}
