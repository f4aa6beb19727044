/**
 * `GET /api/v1/instance`: what a visitor needs before signing up: the
 * instance's name, description and rules, how it registers people, and how
 * many personas an account may hold. Public, no session, nothing per user.
 * The configured values are the defaults; what administrators set at run
 * time (moderation's instance settings, `PATCH /api/v1/admin/instance`)
 * overrides them.
 */
import express, { type Router } from 'express';
import type { Config } from '../../config/index.js';

/** The answer of `GET /api/v1/instance`. */
export interface InstanceInfo {
  name: string;
  host: string;
  description: string;
  rules: string[];
  registration: Config['accounts']['registration'];
  maxPersonas: number;
}

/** The settings administrators may change, as they are right now (moderation provides them). */
export type CurrentInstanceSettings = () => Pick<InstanceInfo, 'name' | 'description' | 'rules' | 'registration'>;

export type InstanceConfig = Pick<Config, 'http' | 'accounts' | 'instance'>;

export function instanceInfo(config: InstanceConfig, current?: CurrentInstanceSettings): InstanceInfo {
  const host = new URL(config.http.publicUrl).host;
  const settings = current?.();
  return {
    name: settings?.name ?? config.instance.name ?? host,
    host,
    description: settings?.description ?? config.instance.description,
    rules: [...(settings?.rules ?? config.instance.rules)],
    registration: settings?.registration ?? config.accounts.registration,
    maxPersonas: config.accounts.maxPersonas,
  };
}

export function instanceRoutes(config: InstanceConfig, current?: CurrentInstanceSettings): Router {
  const router = express.Router();
  router.get('/api/v1/instance', (_req, res) => {
    res.set('Cache-Control', 'no-cache');
    res.json(instanceInfo(config, current));
  });
  return router;
}
