import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createLogger, LoggerWiringError } from './logger.js';
import { topLevelKeys } from './raw-json.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');

function capture(): { lines: string[]; log: ReturnType<typeof createLogger> } {
  const lines: string[] = [];
  const log = createLogger({ level: 'info', logIpAddresses: false }, { write: (l: string) => void lines.push(l) });
  return { lines, log };
}

/** Every `child({ module: '...' })` name in the server's sources (tests excluded). */
function moduleNamesInSources(): Set<string> {
  const names = new Set<string>();
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules' && entry.name !== 'web') walk(p);
      } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) {
        // Comments may show examples: only code counts.
        const code = fs.readFileSync(p, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
        for (const m of code.matchAll(/child\(\{\s*module:\s*'([^']+)'/g)) names.add(m[1]!);
      }
    }
  };
  for (const top of ['server', 'federation', 'media', 'config']) walk(path.join(REPO_ROOT, top));
  return names;
}

describe('topLevelKeys', () => {
  it('shows duplicate keys that JSON.parse hides, and skips nested ones', () => {
    const text = '{"a":1,"module":"x","n":{"module":"y","s":"\\",\\"module\\":"},"l":[{"module":1}],"module":"x"}';
    assert.deepEqual(Object.keys(JSON.parse(text) as object), ['a', 'module', 'n', 'l']);
    assert.deepEqual(topLevelKeys(text), ['a', 'module', 'n', 'l', 'module']);
  });
});

describe('createLogger', () => {
  it('puts one module key on a line of a module logger', () => {
    const { lines, log } = capture();
    log.child({ module: 'federation.net' }).child({ room: 'r1' }).info('hello');
    assert.equal(lines.length, 1);
    assert.deepEqual(topLevelKeys(lines[0]!).filter((k) => k === 'module'), ['module']);
  });

  it('refuses to name a module logger a second time, naming both modules', () => {
    const { log } = capture();
    const outer = log.child({ module: 'federation' });
    assert.throws(() => outer.child({ module: 'federation.net' }), (e: unknown) => {
      assert.ok(e instanceof LoggerWiringError);
      assert.match(e.message, /"federation" and then "federation.net"/);
      return true;
    });
    // A nested value called module is not a second module name.
    assert.doesNotThrow(() => outer.child({ req: { headers: { module: 'x' } } }));
  });

  it('README lists every module name the code gives a logger, and no other', () => {
    const readme = fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
    const section = /<!-- log-modules -->([\s\S]*?)<!-- \/log-modules -->/.exec(readme)?.[1];
    assert.ok(section, 'README has the log module list between <!-- log-modules --> markers');
    const listed = new Set([...section.matchAll(/^\s*\| `([a-z.-]+)` \|/gm)].map((m) => m[1]!));
    const inCode = moduleNamesInSources();
    assert.ok(inCode.size >= 10, `found the module names in the sources (${inCode.size})`);
    assert.deepEqual([...listed].sort(), [...inCode].sort());
  });
});
