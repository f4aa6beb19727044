/**
 * The SDP between a mediasoup WebRtcTransport and a WebRTC peer that only
 * receives: the server's side is the offer (ICE-lite, its candidates, its
 * DTLS fingerprint, one bundled audio section per consumer, as
 * mediasoup-client's receiving handler writes it), the peer answers, and
 * the answer's fingerprint is what the transport is connected with.
 */
import type { types } from 'mediasoup';

/** The server side of a listener's transport, as a client receives it. */
export interface TransportSide {
  iceParameters: types.IceParameters;
  iceCandidates: types.IceCandidate[];
  dtlsParameters: types.DtlsParameters;
}

/** The offer for a peer that receives `consumers` (their RTP parameters, in order) on one bundled transport. */
export function receiveOffer(transport: TransportSide, consumers: readonly types.RtpParameters[]): string {
  const fp = transport.dtlsParameters.fingerprints.find((f) => f.algorithm === 'sha-256') ?? transport.dtlsParameters.fingerprints[0];
  if (!fp) throw new Error('the transport has no DTLS fingerprint');
  const mids = consumers.map((c, i) => c.mid ?? String(i));
  const lines = ['v=0', 'o=- 1 1 IN IP4 0.0.0.0', 's=-', 't=0 0', 'a=ice-lite', `a=fingerprint:${fp.algorithm} ${fp.value}`, 'a=msid-semantic: WMS *', `a=group:BUNDLE ${mids.join(' ')}`];
  consumers.forEach((rtp, i) => {
    const codec = rtp.codecs[0];
    const ssrc = rtp.encodings?.[0]?.ssrc;
    if (!codec || ssrc === undefined) throw new Error('a consumer without codec or SSRC');
    const pt = codec.payloadType;
    const [, name] = codec.mimeType.split('/');
    lines.push(
      `m=audio 7 UDP/TLS/RTP/SAVPF ${pt}`, 'c=IN IP4 127.0.0.1', `a=mid:${mids[i]}`, 'a=sendonly',
      `a=ice-ufrag:${transport.iceParameters.usernameFragment}`, `a=ice-pwd:${transport.iceParameters.password}`,
    );
    for (const c of transport.iceCandidates) {
      lines.push(`a=candidate:${c.foundation} 1 ${c.protocol} ${c.priority} ${c.ip} ${c.port} typ host${c.protocol === 'tcp' ? ' tcptype passive' : ''}`);
    }
    lines.push('a=end-of-candidates', 'a=setup:actpass', 'a=rtcp-mux', 'a=rtcp-rsize');
    for (const e of rtp.headerExtensions ?? []) lines.push(`a=extmap:${e.id} ${e.uri}`);
    lines.push(`a=rtpmap:${pt} ${name ?? 'opus'}/${codec.clockRate}${codec.channels ? `/${codec.channels}` : ''}`);
    const fmtp = Object.entries(codec.parameters as Record<string, unknown> ?? {}).map(([k, v]) => `${k}=${String(v)}`).join(';');
    if (fmtp) lines.push(`a=fmtp:${pt} ${fmtp}`);
    for (const fb of codec.rtcpFeedback ?? []) lines.push(`a=rtcp-fb:${pt} ${fb.type}${fb.parameter ? ` ${fb.parameter}` : ''}`);
    lines.push(`a=ssrc:${ssrc} cname:${rtp.rtcp?.cname ?? 'bench'}`, `a=ssrc:${ssrc} msid:bench-${mids[i]} audio-${mids[i]}`);
  });
  return `${lines.join('\r\n')}\r\n`;
}

/** The DTLS parameters of the peer's answer (it takes the client role, as browsers do against ICE-lite servers). */
export function answerDtls(sdp: string): types.DtlsParameters {
  const fp = /^a=fingerprint:(\S+) (\S+)/m.exec(sdp);
  if (!fp?.[1] || !fp[2]) throw new Error('the answer has no DTLS fingerprint');
  const setup = /^a=setup:(\S+)/m.exec(sdp)?.[1];
  return { role: setup === 'passive' ? 'server' : 'client', fingerprints: [{ algorithm: fp[1], value: fp[2] }] };
}
