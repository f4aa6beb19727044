/**
 * Active-speaker detection for one room: an audio-level observer on the
 * room's origin router, fed with every producer of the room (its own, and
 * the copies piped in from the room's other routers: ADR 0040). It reports
 * the loudest peer on a change, and repeats an unchanged speaker once a
 * second so that newcomers learn it; the observer's 200 ms interval caps it
 * at five a second.
 */
import type { types } from 'mediasoup';
import type { Logger } from 'pino';

const INTERVAL_MS = 200;

export class ActiveSpeaker {
  #observer: types.AudioLevelObserver | undefined;
  #speaker: string | null = null;
  #speakerAt = 0;

  constructor(
    private readonly onChange: (peerId: string | null) => void,
    private readonly log: Logger,
  ) {}

  /**
   * Observes on `router` from now on (the first origin, or the next one when
   * the origin's worker died), starting with `producers` (present there).
   */
  async observeOn(router: types.Router, producers: ReadonlyMap<string, Promise<types.Producer | undefined>>): Promise<void> {
    const observer = await router.createAudioLevelObserver({ maxEntries: 1, threshold: -60, interval: INTERVAL_MS });
    this.#observer = observer;
    observer.on('volumes', (volumes) => {
      const loudest = volumes[0]?.producer.appData.peerId;
      this.#set(typeof loudest === 'string' ? loudest : null);
    });
    observer.on('silence', () => this.#set(null));
    for (const [producerId, entry] of producers) void this.add(producerId, entry);
  }

  /** Adds a producer (or its copy on the observed router) once it exists there. */
  async add(producerId: string, entry: Promise<types.Producer | undefined> | undefined): Promise<void> {
    const observer = this.#observer;
    if (!observer || !(await entry)) return;
    await observer.addProducer({ producerId }).catch((e: unknown) => this.log.warn({ error: String(e) }, 'audio level observer refused a producer'));
  }

  #set(peerId: string | null): void {
    const now = Date.now();
    if (this.#speaker === peerId && (peerId === null || now - this.#speakerAt < 1_000)) return;
    this.#speaker = peerId;
    this.#speakerAt = now;
    this.onChange(peerId);
  }
}
