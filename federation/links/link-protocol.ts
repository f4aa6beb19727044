/**
 * The cascade link protocol's wire format (docs/protocol/federation.md,
 * "Joining through a cascade link"; ADR 0030): the signed link request and
 * its answer, and the messages of the control channel. Parsed with zod at
 * the edge; everything inside works on these types.
 */
import { z } from 'zod';

/** The control channel's path; the link id follows. */
export const LINK_CONTROL_PATH = '/api/v1/links/';

/** A control channel must be opened this soon after the answer, or the link is dropped. */
export const CONTROL_TOKEN_TTL_MS = 30_000;

const srtpParameters = z.strictObject({
  cryptoSuite: z.enum(['AEAD_AES_256_GCM', 'AEAD_AES_128_GCM', 'AES_CM_128_HMAC_SHA1_80', 'AES_CM_128_HMAC_SHA1_32']),
  keyBase64: z.string().min(16).max(200),
});

/** Where one end of the pipe listens (an address the other instance reaches) and its SRTP keys. */
export const pipeEndpoint = z.strictObject({
  ip: z.union([z.ipv4(), z.ipv6()]),
  port: z.number().int().min(1).max(65535),
  srtpParameters,
});

/** Body of the signed POST to a room's join endpoint. */
export const linkRequest = z.strictObject({
  type: z.literal('LinkRequest'),
  /** The room's id (its Event's id). */
  room: z.url({ protocol: /^https?$/ }).max(2048),
  /** The actor id of the first persona joining through the link, or null for a guest. */
  actor: z.url({ protocol: /^https?$/ }).max(2048).nullable(),
  pipe: pipeEndpoint,
});
export type LinkRequest = z.infer<typeof linkRequest>;

/** The answer to an accepted link request (201). */
export interface LinkAnswer {
  type: 'LinkAnswer';
  link: string;
  /** wss:// URL of the control channel; open it with `Authorization: Bearer <token>`. */
  control: string;
  token: string;
  pipe: z.infer<typeof pipeEndpoint>;
}

const rtpParameters = z.looseObject({
  mid: z.string().max(50).optional(),
  codecs: z.array(z.looseObject({ mimeType: z.string().max(50), payloadType: z.number().int(), clockRate: z.number().int() })).min(1).max(10),
  encodings: z.array(z.looseObject({})).max(10).optional(),
  headerExtensions: z.array(z.looseObject({})).max(30).optional(),
  rtcp: z.looseObject({}).optional(),
});

/** A producer as it travels over the link: the receiver produces it on its pipe with this id. */
export const pipedProducer = z.strictObject({
  producerId: z.string().min(1).max(100),
  kind: z.literal('audio'),
  rtpParameters,
  paused: z.boolean(),
});

/** Stage actions a linked participant may take (the same as over signaling). */
export const LINK_ACTIONS = [
  'raiseHand', 'lowerHand', 'acceptInvite', 'declineInvite', 'unmute',
  'invite', 'moveToAudience', 'mute', 'allowUnmute', 'remove', 'ban', 'promote', 'demote', 'end',
] as const;
export type LinkAction = (typeof LINK_ACTIONS)[number];

const participantId = z.string().min(1).max(2048);
const requestId = z.union([z.string().min(1).max(64), z.number().int().safe()]);

/** Messages the linking instance (B) sends the host (A); each gets an answer with the same id. */
export const linkMessage = z.discriminatedUnion('type', [
  z.strictObject({
    id: requestId,
    type: z.literal('announce'),
    /** A persona (its actor id on B's origin) or a guest (an opaque reference chosen by B). */
    participant: z.union([
      z.strictObject({ kind: z.literal('persona'), actor: z.url({ protocol: /^https?$/ }).max(2048), displayName: z.string().max(200).nullable(), hidden: z.boolean() }),
      z.strictObject({ kind: z.literal('guest'), ref: z.string().min(1).max(64) }),
    ]),
  }),
  z.strictObject({ id: requestId, type: z.literal('depart'), participantId }),
  z.strictObject({ id: requestId, type: z.literal('act'), participantId, action: z.enum(LINK_ACTIONS), target: participantId.optional() }),
  z.strictObject({ id: requestId, type: z.literal('produce'), participantId, producer: pipedProducer }),
  z.strictObject({ id: requestId, type: z.literal('unproduce'), participantId, producerId: z.string().min(1).max(100) }),
  z.strictObject({ id: requestId, type: z.literal('ping') }),
  /** A page of the room's audience for a linked participant browsing it (room states list only its head). */
  z.strictObject({ id: requestId, type: z.literal('audience'), participantId, offset: z.number().int().min(0).max(1_000_000), limit: z.number().int().min(1).max(100) }),
]);
export type LinkMessage = z.infer<typeof linkMessage>;

/** Why the host closed a link (sent as the WebSocket close reason and a `closed` event). */
export type LinkCloseReason = 'room_ended' | 'replaced' | 'blocked' | 'link_idle' | 'unresponsive' | 'media_lost' | 'server_shutdown' | 'refused';

/** WebSocket close codes of the control channel. */
export const LINK_CLOSE_CODES: Record<LinkCloseReason, number> = {
  room_ended: 4000,
  replaced: 4001,
  blocked: 4003,
  link_idle: 4008,
  unresponsive: 4009,
  media_lost: 4011,
  server_shutdown: 1001,
  refused: 4401,
};

/** Errors of the control channel's answers. */
export type LinkErrorCode =
  | 'invalid_message' | 'not_announced' | 'not_from_this_link' | 'banned' | 'not_allowed' | 'room_ended' | 'stage'
  | 'not_a_follower' | 'media_unavailable' | 'bad_parameters';
