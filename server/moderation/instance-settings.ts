/**
 * Instance settings administrators change at run time: the name,
 * description and rules the web client's landing page shows (through
 * `GET /api/v1/instance`), the registration mode, and whether the list of
 * domain blocks is public. The configured values are the defaults; only
 * what administrators changed is kept, in the store's instance settings.
 */
import type { Config } from '../../config/index.js';
import type { Store } from '../store/index.js';
import type { AuditLog, StaffActor } from './audit-log.js';

export interface InstanceSettingsValue {
  name: string;
  description: string;
  rules: string[];
  registration: Config['accounts']['registration'];
  showDomainBlocks: boolean;
}

const KEY = 'instance-settings';

/**
 * Only what administrators changed is stored: a setting never changed
 * follows the configuration (so HEARTH_REGISTRATION or HEARTH_INSTANCE_NAME
 * still work until an administrator sets one here).
 */
export class InstanceSettings {
  #changed: Partial<InstanceSettingsValue> = {};

  constructor(private readonly deps: { store: Pick<Store, 'instance'>; audit: AuditLog; config: Pick<Config, 'http' | 'accounts' | 'instance'> }) {}

  async load(): Promise<void> {
    this.#changed = (await this.deps.store.instance.get<Partial<InstanceSettingsValue>>(KEY)) ?? {};
  }

  get value(): InstanceSettingsValue {
    const { config } = this.deps;
    const defaults: InstanceSettingsValue = {
      name: config.instance.name ?? new URL(config.http.publicUrl).host,
      description: config.instance.description,
      rules: [...config.instance.rules],
      registration: config.accounts.registration,
      showDomainBlocks: false,
    };
    return { ...defaults, ...this.#changed };
  }

  async update(actor: StaffActor, patch: Partial<InstanceSettingsValue>): Promise<InstanceSettingsValue> {
    const given = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as Partial<InstanceSettingsValue>;
    this.#changed = { ...this.#changed, ...given };
    await this.deps.store.instance.put(KEY, this.#changed);
    await this.deps.audit.record(actor, 'instance.update', 'instance settings', Object.keys(given).sort().join(', '));
    return this.value;
  }
}
