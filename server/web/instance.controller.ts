/**
 * `GET /api/v1/instance`: what a visitor needs before signing up: the
 * instance's name, description and rules, how it registers people, and how
 * many personas an account may hold. Public, no session, nothing per user.
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

export function instanceInfo(config: Pick<Config, 'http' | 'accounts' | 'instance'>): InstanceInfo {
  const host = new URL(config.http.publicUrl).host;
  return {
    name: config.instance.name ?? host,
    host,
    description: config.instance.description,
    rules: [...config.instance.rules],
    registration: config.accounts.registration,
    maxPersonas: config.accounts.maxPersonas,
  };
}

export function instanceRoutes(config: Pick<Config, 'http' | 'accounts' | 'instance'>): Router {
  const router = express.Router();
  const info = instanceInfo(config);
  router.get('/api/v1/instance', (_req, res) => {
    res.set('Cache-Control', 'no-cache');
    res.json(info);
  });
  return router;
}
