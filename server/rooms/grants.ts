/**
 * Join grants: short-lived JWTs (ES256, signed with jose) that say who may do
 * what in which room. Issued at join and whenever a role changes; checked on
 * every media operation.
 */
import { createLocalJWKSet, jwtVerify, SignJWT } from 'jose';
import { err, ok, type Result } from '../core/result.js';
import { GRANT_ALG, type GrantKeys } from './grant-keys.js';
import type { Role } from './stage.js';

/** What a grant allows. */
export interface Grant {
  roomId: string;
  /** The participant: a persona id or `guest:<random>`. */
  participantId: string;
  role: Role;
  canPublish: boolean;
  canSubscribe: boolean;
  /** Expiry, seconds since the epoch. */
  exp: number;
}

/** Why a grant was refused. */
export type GrantError = 'grant_invalid' | 'grant_expired' | 'grant_wrong_room' | 'grant_wrong_participant';

/** Signs and checks grants for this instance (audience: its public URL). */
export class GrantIssuer {
  constructor(
    private readonly keys: GrantKeys,
    private readonly audience: string,
    private readonly ttlSeconds: number,
    private readonly now: () => number = Date.now,
  ) {}

  async issue(g: Omit<Grant, 'exp'>): Promise<{ token: string; grant: Grant }> {
    await this.keys.ready();
    const { kid, key } = this.keys.signing();
    const iat = Math.floor(this.now() / 1000);
    const exp = iat + this.ttlSeconds;
    const token = await new SignJWT({ room: g.roomId, role: g.role, pub: g.canPublish, subs: g.canSubscribe })
      .setProtectedHeader({ alg: GRANT_ALG, kid, typ: 'JWT' })
      .setSubject(g.participantId)
      .setIssuer(this.audience)
      .setAudience(this.audience)
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .sign(key);
    return { token, grant: { ...g, exp } };
  }

  /** Checks signature, audience, expiry, and that the grant is for this room and participant. */
  async verify(token: string, expect: { roomId: string; participantId: string }): Promise<Result<Grant, GrantError>> {
    await this.keys.ready();
    let payload;
    try {
      ({ payload } = await jwtVerify(token, createLocalJWKSet(this.keys.jwks()), {
        algorithms: [GRANT_ALG],
        audience: this.audience,
        issuer: this.audience,
        currentDate: new Date(this.now()),
        clockTolerance: 0,
      }));
    } catch (e) {
      return err((e as { code?: string }).code === 'ERR_JWT_EXPIRED' ? 'grant_expired' : 'grant_invalid');
    }
    const { room, role, pub, subs, sub, exp } = payload;
    if (typeof room !== 'string' || typeof sub !== 'string' || typeof exp !== 'number' || typeof pub !== 'boolean' || typeof subs !== 'boolean') {
      return err('grant_invalid');
    }
    if (role !== 'host' && role !== 'moderator' && role !== 'speaker' && role !== 'listener') return err('grant_invalid');
    if (room !== expect.roomId) return err('grant_wrong_room');
    if (sub !== expect.participantId) return err('grant_wrong_participant');
    return ok({ roomId: room, participantId: sub, role, canPublish: pub, canSubscribe: subs, exp });
  }
}
