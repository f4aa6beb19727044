/**
 * HTTP Signatures for federation: signing outbound requests the way Mastodon
 * expects (draft-cavage, rsa-sha256) and verifying inbound ones (draft-cavage
 * rsa-sha256/hs2019, and RFC 9421).
 */
export { signRequest, signRequestAsync, createRequestSigner, privateKeyObject, type SignRequestInput } from './sign.js';
export { verifyRequest } from './verify.js';
export { digestHeader } from './digest.js';
export {
  MAX_CLOCK_SKEW_MS,
  MAX_SIGNATURE_AGE_MS,
  type HeaderMap,
  type KeyResolver,
  type ResolvedKey,
  type VerifiedSignature,
  type VerifyError,
  type VerifyErrorKind,
  type VerifyRequestInput,
} from './types.js';
