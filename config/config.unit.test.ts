import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig, redactedConfig } from './index.js';

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-config-'));
}

function writeConfig(body: unknown): string {
  const file = path.join(tempDir(), 'hearth.json');
  fs.writeFileSync(file, typeof body === 'string' ? body : JSON.stringify(body));
  return file;
}

function configErrorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected ConfigError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected a ConfigError');
}

describe('configuration', () => {
  it('has working defaults with an empty environment', () => {
    const { config, cli } = loadConfig([], {}, '/srv/hearth');
    assert.equal(config.http.port, 8080);
    assert.equal(config.http.host, 'localhost');
    assert.equal(config.http.publicUrl, 'http://localhost:8080');
    assert.equal(config.storage.dataDir, path.resolve('/srv/hearth', 'data'));
    assert.equal(config.storage.mongodbUrl, undefined);
    assert.equal(config.log.level, 'info');
    assert.equal(config.log.ipAddresses, false);
    assert.equal(config.media.workers, Math.max(1, os.availableParallelism()));
    assert.deepEqual(config.federation.allowPrivate, []);
    assert.equal(config.accounts.maxPersonas, 5);
    assert.equal(config.rooms.idleTimeoutSeconds, 300);
    assert.equal(cli.printConfig, false);
  });

  it('derives the public URL from the port when not given', () => {
    const { config } = loadConfig([], { HEARTH_PORT: '9123' });
    assert.equal(config.http.publicUrl, 'http://localhost:9123');
  });

  it('layers defaults < config file < environment', () => {
    const file = writeConfig({ http: { port: 7000, host: '127.0.0.1' }, log: { level: 'debug' }, media: { workers: 3 } });
    const { config } = loadConfig(['--config', file], { HEARTH_PORT: '7100', HEARTH_MEDIA_WORKERS: '1' });
    assert.equal(config.http.port, 7100, 'environment beats file');
    assert.equal(config.http.host, '127.0.0.1', 'file beats default');
    assert.equal(config.log.level, 'debug');
    assert.equal(config.media.workers, 1);
    assert.equal(config.configFile, file);
  });

  it('finds the config file through HEARTH_CONFIG too', () => {
    const file = writeConfig({ accounts: { registration: 'invite' } });
    const { config } = loadConfig([], { HEARTH_CONFIG: file });
    assert.equal(config.accounts.registration, 'invite');
  });

  it('reads every documented environment variable', () => {
    const { config } = loadConfig([], {
      HEARTH_HOST: '0.0.0.0',
      HEARTH_PUBLIC_URL: 'https://rooms.example/',
      HEARTH_DATA_DIR: '/var/lib/hearth',
      HEARTH_LOG_LEVEL: 'warn',
      HEARTH_LOG_IP_ADDRESSES: 'true',
      HEARTH_FEDERATION_ALLOW_PRIVATE: '127.0.0.0/8, ::1/128',
      MONGODB_URL: 'mongodb://user:pw@db.example:27017/hearth',
      MEDIASOUP_WORKER_BIN: '/opt/mediasoup-worker',
    });
    assert.equal(config.http.host, '0.0.0.0');
    assert.equal(config.http.publicUrl, 'https://rooms.example', 'trailing slash dropped');
    assert.equal(config.storage.dataDir, '/var/lib/hearth');
    assert.equal(config.log.level, 'warn');
    assert.equal(config.log.ipAddresses, true);
    assert.deepEqual(config.federation.allowPrivate, ['127.0.0.0/8', '::1/128']);
    assert.equal(config.storage.mongodbUrl, 'mongodb://user:pw@db.example:27017/hearth');
    assert.equal(config.media.workerBin, '/opt/mediasoup-worker');
  });

  it('names the key, the problem and the expected form of a bad environment value', () => {
    const e = configErrorOf(() => loadConfig([], { HEARTH_PORT: 'eighty' }));
    assert.match(e.message, /^HEARTH_PORT="eighty": .+; expected an integer from 1 to 65535$/);
    const range = configErrorOf(() => loadConfig([], { HEARTH_PORT: '70000' }));
    assert.match(range.message, /HEARTH_PORT=70000: .*expected an integer from 1 to 65535/);
    const level = configErrorOf(() => loadConfig([], { HEARTH_LOG_LEVEL: 'loud' }));
    assert.match(level.message, /HEARTH_LOG_LEVEL="loud".*expected one of fatal, error/);
    const bool = configErrorOf(() => loadConfig([], { HEARTH_LOG_IP_ADDRESSES: 'maybe' }));
    assert.match(bool.message, /HEARTH_LOG_IP_ADDRESSES="maybe".*expected true or false/);
    const cidr = configErrorOf(() => loadConfig([], { HEARTH_FEDERATION_ALLOW_PRIVATE: 'localhost' }));
    assert.match(cidr.message, /HEARTH_FEDERATION_ALLOW_PRIVATE.*CIDR/);
  });

  it('refuses a public URL with a path', () => {
    const e = configErrorOf(() => loadConfig([], { HEARTH_PUBLIC_URL: 'https://rooms.example/hearth' }));
    assert.match(e.message, /^HEARTH_PUBLIC_URL=.*expected an origin/);
    const bad = configErrorOf(() => loadConfig([], { HEARTH_PUBLIC_URL: 'ftp://rooms.example' }));
    assert.match(bad.message, /HEARTH_PUBLIC_URL/);
  });

  it('refuses unknown keys in the config file, naming them', () => {
    const file = writeConfig({ http: { port: 8080, prot: 1 } });
    const e = configErrorOf(() => loadConfig(['--config', file], {}));
    assert.match(e.message, /unknown config key "http\.prot"/);
    const top = writeConfig({ colour: 'blue' });
    assert.match(configErrorOf(() => loadConfig(['--config', top], {})).message, /unknown config key "colour"/);
  });

  it('refuses a wrongly typed file value, naming the key and the file', () => {
    const file = writeConfig({ media: { workers: 'two' } });
    const e = configErrorOf(() => loadConfig(['--config', file], {}));
    assert.ok(e.message.includes(`config key "media.workers" (in ${file}) = "two"`), e.message);
    assert.match(e.message, /expected an integer from 1 to 64/);
  });

  it('refuses unknown HEARTH_ variables (typos) but ignores unrelated ones', () => {
    const e = configErrorOf(() => loadConfig([], { HEARTH_PROT: '1' }));
    assert.match(e.message, /unknown environment variable HEARTH_PROT/);
    assert.doesNotThrow(() => loadConfig([], { PATH: '/usr/bin', HOME: '/root' }));
  });

  it('reports unreadable and malformed config files', () => {
    assert.match(configErrorOf(() => loadConfig(['--config', '/nonexistent/hearth.json'], {})).message, /cannot be read \(ENOENT\)/);
    assert.match(configErrorOf(() => loadConfig(['--config', writeConfig('{ nope')], {})).message, /not valid JSON/);
    assert.match(configErrorOf(() => loadConfig(['--config', writeConfig('[1]')], {})).message, /expected a JSON object/);
  });

  it('rejects unknown command-line arguments', () => {
    assert.match(configErrorOf(() => loadConfig(['--prot'], {})).message, /unknown argument "--prot"/);
    assert.match(configErrorOf(() => loadConfig(['--config'], {})).message, /missing value/);
  });

  it('checks the RTC port range order', () => {
    const e = configErrorOf(() => loadConfig([], { HEARTH_MEDIA_RTC_MIN_PORT: '50000', HEARTH_MEDIA_RTC_MAX_PORT: '40000' }));
    assert.match(e.message, /media\.rtcMinPort|HEARTH_MEDIA_RTC_MIN_PORT/);
  });

  it('redacts credentials when printing', () => {
    const { config, cli } = loadConfig(['--print-config'], { MONGODB_URL: 'mongodb://admin:s3cret@db:27017/x' });
    assert.equal(cli.printConfig, true);
    const printed = JSON.stringify(redactedConfig(config));
    assert.ok(!printed.includes('s3cret'), printed);
    assert.ok(printed.includes('mongodb://[redacted]@db:27017/x'));
  });
});
