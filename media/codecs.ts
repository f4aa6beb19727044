import type { types } from 'mediasoup';

/**
 * Router media codecs for this audio-only product: Opus alone, which every
 * browser sends and receives. In-band FEC hides packet loss at no extra
 * round trip; DTX stops sending during silence, which is most of the time for
 * most people in a room.
 *
 * The entries are written out in full (parameters and rtcpFeedback included)
 * because mediasoup's codec validation fills in missing fields in place: a
 * complete definition is left as it is, so this shared constant never changes.
 * Treat it as read-only. (Router RTCP feedback comes from mediasoup's supported
 * capabilities, not from this list, so the empty rtcpFeedback removes nothing.)
 */
export const AUDIO_MEDIA_CODECS: types.RtpCodecCapability[] = [
  {
    kind: 'audio',
    mimeType: 'audio/opus',
    clockRate: 48000,
    channels: 2,
    parameters: { useinbandfec: 1, usedtx: 1 },
    rtcpFeedback: [],
  },
];
