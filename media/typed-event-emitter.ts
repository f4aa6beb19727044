import { EventEmitter } from 'node:events';

/** Maps each event name to the tuple of arguments its listeners receive. */
export type EventMap<E> = { [K in keyof E]: unknown[] };

/** Called when a listener throws; the emitter itself never rethrows. */
export type ListenerErrorHandler = (error: unknown, event: string) => void;

/**
 * A small typed wrapper around node's EventEmitter.
 *
 * Why a wrapper and not `extends EventEmitter`: the emitting side of a media
 * entity reacts to a worker's death from inside a mediasoup callback; a
 * throwing listener in the rooms layer must not stop the pool from replacing
 * the worker, nor stop the other listeners. So `emit` is protected, calls every
 * listener in its own try/catch and reports failures to a handler.
 */
export class TypedEventEmitter<E extends EventMap<E>> {
  readonly #inner = new EventEmitter();
  readonly #onListenerError: ListenerErrorHandler;

  constructor(onListenerError: ListenerErrorHandler) {
    this.#onListenerError = onListenerError;
    // Pools and rooms legitimately have many listeners (one per room).
    this.#inner.setMaxListeners(0);
  }

  /** Adds a listener for every future `event`. */
  on<K extends keyof E & string>(event: K, listener: (...args: E[K]) => void): this {
    this.#inner.on(event, listener as (...args: unknown[]) => void);
    return this;
  }

  /** Adds a listener for the next `event` only. */
  once<K extends keyof E & string>(event: K, listener: (...args: E[K]) => void): this {
    const wrapper = (...args: E[K]): void => {
      this.#inner.off(event, wrapper as (...args: unknown[]) => void);
      listener(...args);
    };
    // Remember the original so that off(event, listener) also removes a once-listener.
    Object.defineProperty(wrapper, 'listener', { value: listener });
    this.#inner.on(event, wrapper as (...args: unknown[]) => void);
    return this;
  }

  /** Removes a listener added with on() or once(). */
  off<K extends keyof E & string>(event: K, listener: (...args: E[K]) => void): this {
    this.#inner.off(event, listener as (...args: unknown[]) => void);
    return this;
  }

  /** How many listeners `event` has. */
  listenerCount<K extends keyof E & string>(event: K): number {
    return this.#inner.listenerCount(event);
  }

  /** Calls every listener of `event`, each isolated from the others' exceptions. */
  protected emit<K extends keyof E & string>(event: K, ...args: E[K]): void {
    // rawListeners() is a copy: listeners added or removed meanwhile do not disturb this loop.
    for (const listener of this.#inner.rawListeners(event)) {
      try {
        (listener as (...a: E[K]) => void)(...args);
      } catch (error) {
        this.#onListenerError(error, event);
      }
    }
  }
}
