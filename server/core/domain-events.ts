/**
 * The one mechanism for domain events between modules (ADR 0022): persona
 * deletions and session changes (accounts), follows that ended and actors
 * purged (federation), room lifecycle changes (rooms).
 *
 * - Typed: each event name maps to one payload type.
 * - `on` answers the unsubscribe function; the composition root subscribes
 *   one module to another, modules never import each other to do so.
 * - `emit` awaits every listener in turn, so an effect (a participant
 *   removed from a room) has happened when the emitting operation answers.
 *   A listener that throws is reported to `onError` and the others still
 *   run: `emit` never rejects.
 * - `emitOrThrow` is for the few events whose listeners may veto the
 *   operation (a persona deletion that could not end its rooms is answered
 *   500 and retried): the first failure stops and is rethrown.
 *
 * Media entities (worker pool, room media) keep their synchronous,
 * mediasoup-shaped TypedEventEmitter inside media/: those are object
 * lifecycle events of one process, not messages between modules.
 */
export type DomainEventMap<E> = { [K in keyof E]: unknown };

export type DomainListener<P> = (payload: P) => void | Promise<void>;

export class DomainEvents<E extends DomainEventMap<E>> {
  readonly #listeners = new Map<keyof E, Set<DomainListener<never>>>();

  /** @param onError - told about a listener that threw (`emit` only); it must not throw. */
  constructor(private readonly onError: (error: unknown, event: string) => void = () => undefined) {}

  /** Subscribes to `event`; answers the unsubscribe function. */
  on<K extends keyof E & string>(event: K, listener: DomainListener<E[K]>): () => void {
    let set = this.#listeners.get(event);
    if (!set) this.#listeners.set(event, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
    };
  }

  listenerCount<K extends keyof E & string>(event: K): number {
    return this.#listeners.get(event)?.size ?? 0;
  }

  /** Runs every listener of `event` in order; failures are reported, never rethrown. */
  async emit<K extends keyof E & string>(event: K, payload: E[K]): Promise<void> {
    for (const listener of this.#snapshot(event)) {
      try {
        await listener(payload);
      } catch (error) {
        try {
          this.onError(error, event);
        } catch {
          // a broken error handler must not break the emitter
        }
      }
    }
  }

  /** Runs every listener of `event` in order; the first failure stops and is rethrown. */
  async emitOrThrow<K extends keyof E & string>(event: K, payload: E[K]): Promise<void> {
    for (const listener of this.#snapshot(event)) await listener(payload);
  }

  #snapshot<K extends keyof E>(event: K): DomainListener<E[K]>[] {
    return [...(this.#listeners.get(event) ?? [])] as DomainListener<E[K]>[];
  }
}
