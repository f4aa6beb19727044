/**
 * The public types of a room's media (media/room-media.ts): its options and
 * per-peer caps, its events, why an operation was refused and what a client
 * needs to open a transport or receive a producer.
 */
import type { types } from 'mediasoup';
import type { Logger } from 'pino';
import type { SpreadPolicy } from './room-routers.js';

/** Limits per peer; a client that asks for more is refused with `cap_reached`. */
export interface PeerCaps {
  transports: number;
  producers: number;
  consumers: number;
}

export const DEFAULT_PEER_CAPS: PeerCaps = { transports: 2, producers: 1, consumers: 100 };

/** How transports are opened. */
export interface RoomMediaOptions {
  listenIp: string;
  announcedIp?: string | undefined;
  caps?: PeerCaps;
  /**
   * The worker's WebRtcServer: every transport shares its one UDP and one
   * TCP port (ADR 0012). Without it each transport binds its own ports.
   */
  webRtcServer?: types.WebRtcServer | undefined;
  /** Bits per second a peer may send us (one Opus stream needs ~64 kbit/s). */
  maxIncomingBitrate?: number;
  /** When and where the room grows routers on other workers; without it the room stays on one router. */
  spread?: SpreadPolicy | undefined;
  log: Logger;
}

/** Why a media operation was refused. */
export type MediaOpError =
  | 'media_closed'
  | 'no_such_transport'
  | 'no_such_producer'
  | 'no_such_consumer'
  | 'not_yours'
  | 'cap_reached'
  | 'cannot_consume'
  | 'bad_parameters';

/** Why a room's media closed. */
export type RoomMediaCloseReason = 'closed' | 'worker_died';

export type RoomMediaEvents = {
  /** A peer started producing: others should consume it. */
  producerAdded: [{ peerId: string; producerId: string }];
  producerClosed: [{ peerId: string; producerId: string }];
  /** The loudest peer (on change, repeated each second; at most five a second); null on silence. */
  activeSpeaker: [{ peerId: string | null }];
  /**
   * One router of the room closed with its worker while others live on: the
   * peers whose transports were there lost them (and their producers and
   * consumers) and must open new ones; everyone else keeps flowing.
   * `origin`: it was the first router (cascade pipes were there).
   */
  routerLost: [{ peerIds: string[]; origin: boolean }];
  close: [RoomMediaCloseReason];
};

/** What a client needs to open its side of a transport. */
export interface TransportInfo {
  id: string;
  iceParameters: types.IceParameters;
  iceCandidates: types.IceCandidate[];
  dtlsParameters: types.DtlsParameters;
}

/** What a client needs to receive a producer. */
export interface ConsumerInfo {
  id: string;
  producerId: string;
  peerId: string;
  kind: types.MediaKind;
  rtpParameters: types.RtpParameters;
  /** The producer is paused server-side (its speaker is muted): nothing flows until it resumes. */
  producerPaused: boolean;
}
