/**
 * Every expected failure of moderation, as a closed union; the HTTP edge
 * maps each kind to a status in one exhaustive switch (`http-errors.ts`).
 */
export type ModerationError =
  | { kind: 'invalid_request'; message: string }
  | { kind: 'invalid_domain'; message: string }
  | { kind: 'unprocessable'; message: string }
  | { kind: 'own_domain' }
  | { kind: 'already_blocked'; domain: string }
  | { kind: 'block_not_found' }
  | { kind: 'account_not_found' }
  | { kind: 'report_not_found' }
  | { kind: 'report_resolved' }
  | { kind: 'target_not_found'; message: string }
  | { kind: 'room_not_found' }
  | { kind: 'participant_not_found' }
  | { kind: 'action_not_applicable'; message: string }
  | { kind: 'not_moderator' }
  | { kind: 'not_admin' }
  | { kind: 'no_persona' }
  | { kind: 'rate_limited'; what: string; retryAfterSeconds: number };

export type ModerationErrorOf<K extends ModerationError['kind']> = Extract<ModerationError, { kind: K }>;
