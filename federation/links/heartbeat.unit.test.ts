import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import WebSocket, { WebSocketServer } from 'ws';
import { watchLiveness } from './heartbeat.js';

/** A WebSocket server on loopback whose peers answer pings or not. */
async function server(autoPong: boolean): Promise<{ url: string; close: () => Promise<void> }> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', autoPong });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  return {
    url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`,
    close: () => {
      for (const c of wss.clients) c.terminate();
      return new Promise((resolve) => wss.close(() => resolve()));
    },
  };
}

async function open(url: string): Promise<WebSocket> {
  const ws = new WebSocket(url);
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  return ws;
}

describe('control channel liveness', () => {
  const closers: Array<() => Promise<void>> = [];
  after(async () => {
    for (const close of closers) await close();
  });

  it('finds a peer that stops answering pings within two intervals, once', async () => {
    const silent = await server(false);
    closers.push(() => silent.close());
    const ws = await open(silent.url);
    let calls = 0;
    const began = Date.now();
    const found = new Promise<number>((resolve) => watchLiveness(ws, () => {
      calls += 1;
      resolve(Date.now() - began);
    }, 50));
    const ms = await found;
    assert.ok(ms >= 90 && ms < 400, `found after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(calls, 1);
    ws.terminate();
  });

  it('leaves a peer that answers alone', async () => {
    const answering = await server(true);
    closers.push(() => answering.close());
    const ws = await open(answering.url);
    let pongs = 0;
    ws.on('pong', () => (pongs += 1));
    let calls = 0;
    watchLiveness(ws, () => (calls += 1), 50);
    await new Promise((r) => setTimeout(r, 400));
    assert.ok(pongs >= 4, `${pongs} pongs`);
    assert.equal(calls, 0);
    ws.terminate();
  });
});
