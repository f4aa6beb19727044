import { Router } from 'express';
import type { InstanceRepository } from '../../server/store/index.js';
import { SHARED_INBOX_PATH } from '../apex/create-apex.js';
import { generateActorKeys } from './persona-actor.js';

const SETTINGS_KEY = 'federation.instance-actor';

interface StoredKeys {
  publicKeyPem: string;
  privateKeyPem: string;
}

/** Path of the instance actor; it signs this server's outbound GETs (authorized fetch). */
export const INSTANCE_ACTOR_PATH = '/actor';

/**
 * The instance's own actor (an `Application`), as Mastodon has one: remote
 * servers that require signed fetches verify our GETs with its key. It is not
 * a persona and represents no person.
 */
export class InstanceActor {
  private constructor(readonly id: string, readonly keyId: string, private readonly keys: StoredKeys, private readonly publicUrl: string) {}

  /** Loads the key pair, creating it on first boot. */
  static async load(settings: InstanceRepository, publicUrl: string): Promise<InstanceActor> {
    let keys = await settings.get<StoredKeys>(SETTINGS_KEY);
    if (!keys) {
      keys = await generateActorKeys();
      await settings.put(SETTINGS_KEY, keys);
    }
    const id = `${publicUrl}${INSTANCE_ACTOR_PATH}`;
    return new InstanceActor(id, `${id}#main-key`, keys, publicUrl);
  }

  get privateKeyPem(): string {
    return this.keys.privateKeyPem;
  }

  document(): Record<string, unknown> {
    return {
      '@context': ['https://www.w3.org/ns/activitystreams', 'https://w3id.org/security/v1'],
      id: this.id,
      type: 'Application',
      preferredUsername: new URL(this.publicUrl).host,
      name: 'Hearth instance actor',
      inbox: `${this.id}/inbox`,
      outbox: `${this.id}/outbox`,
      endpoints: { sharedInbox: `${this.publicUrl}${SHARED_INBOX_PATH}` },
      manuallyApprovesFollowers: true,
      publicKey: { id: this.keyId, owner: this.id, publicKeyPem: this.keys.publicKeyPem },
    };
  }

  router(): Router {
    const router = Router();
    router.get(INSTANCE_ACTOR_PATH, (_req, res) => {
      res.type('application/activity+json').send(JSON.stringify(this.document()));
    });
    return router;
  }
}
