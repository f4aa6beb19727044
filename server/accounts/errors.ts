/**
 * Every expected failure of the accounts domain, as a closed union. The HTTP
 * edge maps each kind to a status in one exhaustive switch (`http-errors.ts`).
 */
export type AccountsError =
  | { kind: 'invalid_request'; message: string }
  | { kind: 'unsupported_media_type' }
  | { kind: 'cross_origin' }
  | { kind: 'csrf_content_type' }
  | { kind: 'not_authenticated' }
  | { kind: 'not_admin' }
  | { kind: 'registration_closed' }
  | { kind: 'invite_required' }
  | { kind: 'invite_unknown' }
  | { kind: 'invite_used' }
  | { kind: 'username_taken' }
  | { kind: 'invalid_credentials' }
  | { kind: 'account_suspended' }
  | { kind: 'rate_limited'; retryAfterSeconds: number }
  | { kind: 'signup_rate_limited'; retryAfterSeconds: number }
  | { kind: 'recovery_failed' }
  | { kind: 'wrong_password' }
  | { kind: 'handle_invalid' }
  | { kind: 'handle_reserved' }
  | { kind: 'handle_taken' }
  | { kind: 'handle_retired' }
  | { kind: 'persona_limit'; limit: number }
  | { kind: 'persona_not_found' }
  | { kind: 'session_not_found' };

/** Narrows the union to some kinds, for services that can fail only in those ways. */
export type AccountsErrorOf<K extends AccountsError['kind']> = Extract<AccountsError, { kind: K }>;
