/**
 * The moderation commands of the admin command line: domain blocks,
 * reports, roles, account suspension and the audit log, through the same
 * services as the HTTP API (recorded in the audit log as the command line).
 * A running server picks up blocks and suspensions made here within a few
 * seconds and then applies their live effects (purges, removals from rooms).
 */
import type { Config } from '../../config/index.js';
import { USERNAME_PATTERN, normalizeUsername } from '../accounts/index.js';
import { assertNever } from '../core/result.js';
import { CLI_ACTOR, createModerationCore, type ModerationError } from '../moderation/index.js';
import type { Logger } from '../core/logging/logger.js';
import type { Store } from '../store/index.js';
import { UsageError } from './usage-error.js';

export type ModerationCommand =
  | { kind: 'block-add'; domain: string; level: 'suspend' | 'limit'; reason: string; publicComment: string }
  | { kind: 'block-update'; domain: string; level?: 'suspend' | 'limit'; reason?: string; publicComment?: string }
  | { kind: 'block-remove'; domain: string; reason: string }
  | { kind: 'block-list' }
  | { kind: 'report-list'; resolved: boolean }
  | { kind: 'report-resolve'; id: string; action: 'dismiss' | 'suspend_account' | 'block_domain'; note: string; level?: 'suspend' | 'limit' }
  | { kind: 'role-set'; username: string; role: 'admin' | 'moderator' | null }
  | { kind: 'account-suspend' | 'account-unsuspend'; username: string; reason: string }
  | { kind: 'audit-list'; limit: number; before?: number };

export const MODERATION_USAGE =
  'domain-block add <domain> --level suspend|limit [--reason R] [--public-comment C] | domain-block update <domain> [--level L] [--reason R] [--public-comment C] | ' +
  'domain-block remove <domain> [--reason R] | domain-block list | report list [--resolved] | ' +
  'report resolve <id> --action dismiss|suspend_account|block_domain [--note N] [--level L] | role set <username> admin|moderator|none | ' +
  'account suspend|unsuspend <username> [--reason R] | audit list [--limit N] [--before CURSOR]';

/** Positional arguments and `--flag value` options; `--flag` alone is `true`. */
function split(args: readonly string[], flags: readonly string[], booleans: readonly string[] = []): { positional: string[]; options: Record<string, string | true> } {
  const positional: string[] = [];
  const options: Record<string, string | true> = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const [name = '', inline] = arg.slice(2).split(/=(.*)/s, 2);
    if (booleans.includes(name)) {
      options[name] = true;
      continue;
    }
    if (!flags.includes(name)) throw new UsageError(`unknown option --${name}`);
    const value = inline ?? args[++i];
    if (value === undefined) throw new UsageError(`--${name}: missing value`);
    options[name] = value;
  }
  return { positional, options };
}

const text = (v: string | true | undefined): string => (typeof v === 'string' ? v : '');

function level(v: string | true | undefined, required: boolean): 'suspend' | 'limit' | undefined {
  if (v === undefined && !required) return undefined;
  if (v === 'suspend' || v === 'limit') return v;
  throw new UsageError('--level must be suspend or limit');
}

function one(positional: string[], what: string): string {
  const [value, ...extra] = positional;
  if (value === undefined) throw new UsageError(`missing <${what}>`);
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
  return value;
}

function username(name: string): string {
  const u = normalizeUsername(name);
  if (!USERNAME_PATTERN.test(u)) throw new UsageError(`"${name}" is not a valid username`);
  return u;
}

/** The moderation command in `args`, or undefined when `args` is not one. */
export function parseModerationCommand(args: readonly string[]): ModerationCommand | undefined {
  const [group, action, ...rest] = args;
  if (group === 'domain-block') {
    if (action === 'list') return { kind: 'block-list' };
    const { positional, options } = split(rest, ['level', 'reason', 'public-comment']);
    const domain = one(positional, 'domain');
    if (action === 'add') return { kind: 'block-add', domain, level: level(options.level, true) ?? 'suspend', reason: text(options.reason), publicComment: text(options['public-comment']) };
    if (action === 'update') {
      const l = level(options.level, false);
      return {
        kind: 'block-update', domain, ...(l ? { level: l } : {}),
        ...(options.reason !== undefined ? { reason: text(options.reason) } : {}),
        ...(options['public-comment'] !== undefined ? { publicComment: text(options['public-comment']) } : {}),
      };
    }
    if (action === 'remove') return { kind: 'block-remove', domain, reason: text(options.reason) };
  }
  if (group === 'report') {
    if (action === 'list') {
      const { positional, options } = split(rest, [], ['resolved']);
      if (positional.length > 0) throw new UsageError(`unexpected argument "${positional[0]}"`);
      return { kind: 'report-list', resolved: options.resolved === true };
    }
    if (action === 'resolve') {
      const { positional, options } = split(rest, ['action', 'note', 'level']);
      const act = options.action;
      if (act !== 'dismiss' && act !== 'suspend_account' && act !== 'block_domain') {
        throw new UsageError('--action must be dismiss, suspend_account or block_domain (removing someone from a live room needs the running server: use the HTTP API)');
      }
      const l = level(options.level, false);
      return { kind: 'report-resolve', id: one(positional, 'report id'), action: act, note: text(options.note), ...(l ? { level: l } : {}) };
    }
  }
  if (group === 'role' && action === 'set') {
    const [name, role, ...extra] = rest;
    if (name === undefined || role === undefined) throw new UsageError('role set: expected <username> admin|moderator|none');
    if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
    if (role !== 'admin' && role !== 'moderator' && role !== 'none') throw new UsageError('role set: the role is admin, moderator or none');
    return { kind: 'role-set', username: username(name), role: role === 'none' ? null : role };
  }
  if (group === 'account' && (action === 'suspend' || action === 'unsuspend')) {
    const { positional, options } = split(rest, ['reason']);
    return { kind: action === 'suspend' ? 'account-suspend' : 'account-unsuspend', username: username(one(positional, 'username')), reason: text(options.reason) };
  }
  if (group === 'audit' && action === 'list') {
    const { positional, options } = split(rest, ['limit', 'before']);
    if (positional.length > 0) throw new UsageError(`unexpected argument "${positional[0]}"`);
    const limit = options.limit === undefined ? 50 : Number(options.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new UsageError('--limit must be an integer from 1 to 1000');
    const before = options.before === undefined ? undefined : Number(options.before);
    if (before !== undefined && !Number.isInteger(before)) throw new UsageError('--before must be a cursor printed by a previous page');
    return { kind: 'audit-list', limit, ...(before !== undefined ? { before } : {}) };
  }
  return undefined;
}

function failure(error: ModerationError): never {
  const messages: Partial<Record<ModerationError['kind'], string>> = {
    own_domain: 'this is the domain of this instance (or contains it); it cannot be blocked',
    block_not_found: 'this domain is not blocked',
    account_not_found: 'no account with this username',
    report_not_found: 'no report with this id',
    report_resolved: 'this report was resolved already',
  };
  const detail = 'message' in error ? error.message : error.kind === 'already_blocked' ? `${error.domain} is blocked already; use domain-block update` : messages[error.kind];
  throw new UsageError(detail ?? error.kind);
}

/** Runs one moderation command; lists print one JSON object per line. */
export async function runModerationCommand(command: ModerationCommand, deps: { store: Store; config: Config; log: Logger; out: (line: string) => void }): Promise<void> {
  const core = createModerationCore({ config: deps.config, store: deps.store, log: deps.log });
  await core.load();
  const json = (value: unknown): void => deps.out(JSON.stringify(value));
  switch (command.kind) {
    case 'block-add': {
      const done = await core.blocks.create(CLI_ACTOR, command);
      if (!done.ok) failure(done.error);
      return deps.out(`${done.value.domain} ${done.value.level === 'suspend' ? 'suspended' : 'limited'}`);
    }
    case 'block-update': {
      const { kind: _kind, domain, ...patch } = command;
      const done = await core.blocks.update(CLI_ACTOR, domain, patch);
      if (!done.ok) failure(done.error);
      return deps.out(`${done.value.domain} ${done.value.level === 'suspend' ? 'suspended' : 'limited'}`);
    }
    case 'block-remove': {
      const done = await core.blocks.remove(CLI_ACTOR, command.domain, command.reason);
      if (!done.ok) failure(done.error);
      return deps.out(`${done.value.domain} no longer blocked`);
    }
    case 'block-list':
      for (const b of core.blocks.list()) json({ domain: b.domain, level: b.level, reason: b.reason, publicComment: b.publicComment, createdAt: b.createdAt.toISOString() });
      return;
    case 'report-list':
      for (const r of (await core.reports.list({ resolved: command.resolved, limit: 1000 })).reports) json(r);
      return;
    case 'report-resolve': {
      const done = await core.reports.resolve(CLI_ACTOR, command.id, { action: command.action, note: command.note, ...(command.level ? { level: command.level } : {}) });
      if (!done.ok) failure(done.error);
      return deps.out(`report ${command.id} resolved: ${command.action}`);
    }
    case 'role-set': {
      const done = await core.roles.setRole(CLI_ACTOR, command.username, command.role);
      if (!done.ok) failure(done.error);
      return deps.out(`${command.username} is ${command.role ? `now ${command.role === 'admin' ? 'an administrator' : 'a moderator'}` : 'no longer staff'}`);
    }
    case 'account-suspend':
    case 'account-unsuspend': {
      const done = command.kind === 'account-suspend'
        ? await core.suspensions.suspend(CLI_ACTOR, command.username, command.reason)
        : await core.suspensions.lift(CLI_ACTOR, command.username, command.reason);
      if (!done.ok) failure(done.error);
      return deps.out(`${command.username} ${command.kind === 'account-suspend' ? 'suspended' : 'no longer suspended'}`);
    }
    case 'audit-list': {
      const page = await core.audit.page(command.limit, command.before);
      for (const e of page.entries) json(e);
      if (page.next) deps.out(`# next page: --before ${page.next}`);
      return;
    }
    default:
      assertNever(command, 'moderation command');
  }
}
