import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TypedEventEmitter } from './typed-event-emitter.js';

type Events = { ping: [number]; done: [] };

class Emitter extends TypedEventEmitter<Events> {
  fire<K extends keyof Events>(event: K, ...args: Events[K]): void {
    this.emit(event, ...args);
  }
}

void describe('TypedEventEmitter', () => {
  void it('isolates a throwing listener from the others and reports it', () => {
    const reported: string[] = [];
    const emitter = new Emitter((error, event) => reported.push(`${event}: ${(error as Error).message}`));
    const seen: number[] = [];
    emitter.on('ping', () => {
      throw new Error('boom');
    });
    emitter.on('ping', (n) => seen.push(n));
    assert.doesNotThrow(() => emitter.fire('ping', 7));
    assert.deepEqual(seen, [7]);
    assert.deepEqual(reported, ['ping: boom']);
  });

  void it('calls a once-listener once and lets off() remove it before it fires', () => {
    const emitter = new Emitter(() => assert.fail('no listener throws here'));
    let calls = 0;
    const count = (): void => {
      calls++;
    };
    emitter.once('done', count);
    emitter.fire('done');
    emitter.fire('done');
    assert.equal(calls, 1);
    emitter.once('done', count);
    assert.equal(emitter.listenerCount('done'), 1);
    emitter.off('done', count);
    assert.equal(emitter.listenerCount('done'), 0);
    emitter.fire('done');
    assert.equal(calls, 1);
  });
});
