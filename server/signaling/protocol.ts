/**
 * The signaling protocol's wire format (docs/protocol/signaling.md): every
 * client message is a JSON object with a request id and a type, validated
 * here with zod; answers carry the same id; server events carry `event`.
 */
import { z } from 'zod';

/** The one WebSocket path. */
export const SIGNAL_PATH = '/api/v1/signal';

/** Messages above this many bytes are refused with `too_large` (the connection stays usable). */
export const MAX_MESSAGE_BYTES = 64 * 1024;
/** Frames above this are cut by the WebSocket layer itself (close code 1009). */
export const MAX_FRAME_BYTES = 256 * 1024;

/** Close codes this server uses (besides WebSocket's own 1001, 1009). */
export const CLOSE_CODES = {
  /** Too many malformed or invalid messages. */
  protocolAbuse: 4400,
  /** The session behind the connection ended (logout, session revoked, password recovered). */
  sessionEnded: 4401,
  /** The session now acts as another persona (or none): reconnect to take part as that. */
  personaChanged: 4409,
  /** The persona of the connection was deleted. */
  personaDeleted: 4410,
  /** Kept flooding after being rate-limited. */
  flood: 4429,
  /** Too many connections open from the client's address or for its account. */
  tooManyConnections: 4430,
  /** The server is shutting down. */
  shutdown: 1001,
} as const;

const requestId = z.union([z.string().min(1).max(64), z.number().int().safe()]);
const participantId = z.string().min(1).max(200);
const grant = z.string().min(1).max(4096);
const mediaId = z.string().min(1).max(100);

const dtlsParameters = z.looseObject({
  role: z.enum(['auto', 'client', 'server']).optional(),
  fingerprints: z.array(z.looseObject({ algorithm: z.string().max(20), value: z.string().max(200) })).min(1).max(10),
});
const rtpParameters = z.looseObject({
  mid: z.string().max(50).optional(),
  codecs: z.array(z.looseObject({ mimeType: z.string().max(50), payloadType: z.number().int(), clockRate: z.number().int() })).min(1).max(20),
  encodings: z.array(z.looseObject({})).max(10).optional(),
  headerExtensions: z.array(z.looseObject({})).max(30).optional(),
});
const rtpCapabilities = z.looseObject({
  codecs: z.array(z.looseObject({})).max(100).optional(),
  headerExtensions: z.array(z.looseObject({})).max(100).optional(),
});

const simple = <T extends string>(type: T) => z.strictObject({ id: requestId, type: z.literal(type) });
const targeted = <T extends string>(type: T) => z.strictObject({ id: requestId, type: z.literal(type), participantId });

/** Every message a client may send. */
export const clientMessage = z.discriminatedUnion('type', [
  // A local room's id, or the id (URL) of another instance's room, joined through a cascade link.
  z.strictObject({ id: requestId, type: z.literal('join'), roomId: z.string().min(1).max(2048), hidden: z.boolean().optional() }),
  simple('leave'),
  simple('ping'),
  simple('raiseHand'),
  simple('lowerHand'),
  simple('acceptInvite'),
  simple('declineInvite'),
  simple('unmute'),
  simple('endRoom'),
  simple('refreshGrant'),
  // A page of the audience (room states list only its first entries).
  z.strictObject({ id: requestId, type: z.literal('audience'), offset: z.number().int().min(0).max(1_000_000).optional(), limit: z.number().int().min(1).max(100).optional() }),
  targeted('invite'),
  targeted('moveToAudience'),
  targeted('mute'),
  targeted('allowUnmute'),
  targeted('remove'),
  targeted('ban'),
  targeted('promote'),
  targeted('demote'),
  z.strictObject({ id: requestId, type: z.literal('createTransport'), grant, direction: z.enum(['send', 'recv']) }),
  z.strictObject({ id: requestId, type: z.literal('connectTransport'), grant, transportId: mediaId, dtlsParameters }),
  z.strictObject({ id: requestId, type: z.literal('restartIce'), grant, transportId: mediaId }),
  z.strictObject({ id: requestId, type: z.literal('produce'), grant, transportId: mediaId, rtpParameters, paused: z.boolean().optional() }),
  z.strictObject({ id: requestId, type: z.literal('consume'), grant, transportId: mediaId, producerId: mediaId, rtpCapabilities }),
  z.strictObject({ id: requestId, type: z.literal('resumeConsumer'), grant, consumerId: mediaId }),
  z.strictObject({ id: requestId, type: z.literal('listProducers'), grant }),
]);

export type ClientMessage = z.infer<typeof clientMessage>;
export type MessageType = ClientMessage['type'];
export type RequestId = z.infer<typeof requestId>;

/** The known types, to tell an unknown type from a malformed known one. */
export const MESSAGE_TYPES: ReadonlySet<string> = new Set(clientMessage.options.map((o) => o.shape.type.value));

/** Stable error codes of answers (see the protocol document for each). */
export type SignalErrorCode =
  | 'bad_json' | 'too_large' | 'unknown_type' | 'invalid_message' | 'rate_limited'
  | 'not_joined' | 'already_joined' | 'internal' | 'session_ended'
  | 'room_not_found' | 'room_not_live' | 'not_host' | 'guests_public_only' | 'media_unavailable' | 'no_persona'
  | 'banned' | 'room_ended' | 'not_in_room' | 'not_allowed' | 'no_such_participant' | 'not_a_listener'
  | 'not_on_stage' | 'no_invitation' | 'stage_full' | 'muted_by_moderator' | 'guests_cannot' | 'instance_limited'
  | 'grant_invalid' | 'grant_expired' | 'grant_wrong_room' | 'grant_wrong_participant'
  | 'media_closed' | 'no_such_transport' | 'no_such_producer' | 'no_such_consumer' | 'not_yours' | 'cap_reached'
  | 'cannot_consume' | 'bad_parameters' | 'too_many_transports' | 'media_busy' | 'remote_refused';

export interface SignalError {
  code: SignalErrorCode;
  message: string;
}

/** An answer to a request. `id` is null when the request had no readable id. */
export type Answer = { id: RequestId | null; ok: true; data: unknown } | { id: RequestId | null; ok: false; error: SignalError };
