/**
 * Instance settings administrators change at run time: the name,
 * description and rules shown on the landing page, the registration mode
 * (starting from the configured one), and whether the list of domain
 * blocks is public. Kept in the store's instance settings.
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
 * follows the configuration (so HEARTH_REGISTRATION still works until an
 * administrator picks a mode here).
 */
export class InstanceSettings {
  #changed: Partial<InstanceSettingsValue> = {};

  constructor(private readonly deps: { store: Store; audit: AuditLog; config: Config }) {}

  async load(): Promise<void> {
    this.#changed = (await this.deps.store.instance.get<Partial<InstanceSettingsValue>>(KEY)) ?? {};
  }

  get value(): InstanceSettingsValue {
    const defaults: InstanceSettingsValue = { name: 'Hearth', description: '', rules: [], registration: this.deps.config.accounts.registration, showDomainBlocks: false };
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
