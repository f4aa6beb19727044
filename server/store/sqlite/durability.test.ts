import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createLogger } from '../../core/logging/logger.js';
import { openStore } from '../index.js';

const log = createLogger({ level: 'silent', logIpAddresses: false });
const childScript = fileURLToPath(new URL('./durability-child.js', import.meta.url));
const ACKS_BEFORE_KILL = 300;

/** Runs the child until it acknowledged `count` writes, then SIGKILLs it; answers the acknowledged ids. */
async function writeThenKill(dataDir: string, count: number): Promise<{ acked: string[]; signal: NodeJS.Signals | null }> {
  const child = spawn(process.execPath, [childScript, dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
  const acked: string[] = [];
  let pending = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout.on('data', (chunk: Buffer) => {
    pending += chunk.toString();
    const lines = pending.split('\n');
    pending = lines.pop() ?? ''; // a line without its newline was not fully acknowledged yet
    acked.push(...lines);
    if (acked.length >= count) child.kill('SIGKILL');
  });
  const signal = await new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, sig) => resolve(sig)));
  assert.equal(stderr, '', 'child wrote to stderr');
  return { acked, signal };
}

describe('SQLite durability', () => {
  it('keeps every acknowledged write when the process is killed with SIGKILL', { timeout: 120_000 }, async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-durability-'));
    try {
      const { acked, signal } = await writeThenKill(dataDir, ACKS_BEFORE_KILL);
      assert.equal(signal, 'SIGKILL');
      assert.ok(acked.length >= ACKS_BEFORE_KILL, `only ${acked.length} acknowledged writes`);
      // Killed without closing: the WAL was never checkpointed away.
      assert.ok(fs.existsSync(path.join(dataDir, 'hearth.sqlite-wal')));

      const store = await openStore({ dataDir, log });
      try {
        const missing: string[] = [];
        for (const id of acked) {
          const i = Number(id.slice('ack-'.length));
          const found = i % 2 === 0
            ? (await store.apex.getActivity(`https://hearth.test/s/${id}`)) !== null
            : (await store.instance.get(id)) !== undefined;
          if (!found) missing.push(id);
        }
        assert.deepEqual(missing, [], `${missing.length} of ${acked.length} acknowledged writes lost`);
        const activities = acked.filter((id) => Number(id.slice(4)) % 2 === 0).length;
        assert.ok((await store.apex.getStreamCount('https://hearth.test/u/alice/outbox')) >= activities);
      } finally {
        await store.close();
      }
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
