/**
 * Who is using the page: the instance's facts, the signed-in account (or
 * none) and its personas, the acting one first among equals. One small store
 * that pages read with {@link useSession} and refresh after changing it.
 */
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, type InstanceInfo, type Me, type Persona } from './api.js';

export interface SessionState {
  loaded: boolean;
  instance: InstanceInfo | null;
  me: Me | null;
  personas: Persona[];
}

let state: SessionState = { loaded: false, instance: null, me: null, personas: [] };
const listeners = new Set<(s: SessionState) => void>();

function set(next: Partial<SessionState>): void {
  state = { ...state, ...next };
  for (const l of listeners) l(state);
}

/** Reloads the account and its personas (and the instance facts the first time, or when `instance` is set). */
export async function refreshSession(opts: { instance?: boolean } = {}): Promise<SessionState> {
  const instance = (opts.instance ? null : state.instance) ?? (await api<InstanceInfo>('GET', '/api/v1/instance').catch(() => state.instance));
  try {
    const me = await api<Me>('GET', '/api/v1/accounts/me');
    const { personas } = await api<{ personas: Persona[] }>('GET', '/api/v1/personas');
    set({ loaded: true, instance, me, personas });
  } catch (e) {
    if (!(e instanceof ApiError) || e.status !== 401) throw e;
    set({ loaded: true, instance, me: null, personas: [] });
  }
  return state;
}

export function signedOut(): void {
  set({ me: null, personas: [] });
}

export function acting(s: SessionState = state): Persona | undefined {
  return s.personas.find((p) => p.acting);
}

export function useSession(): SessionState {
  const [s, setS] = useState(state);
  useEffect(() => {
    listeners.add(setS);
    setS(state);
    return () => {
      listeners.delete(setS);
    };
  }, []);
  return s;
}
