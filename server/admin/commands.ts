/**
 * The administration commands, apart from the process plumbing in cli.ts so
 * that tests run them against a real store.
 */
import { InviteService, MAX_INVITES_AT_ONCE, USERNAME_PATTERN, normalizeUsername } from '../accounts/index.js';
import { assertNever } from '../core/result.js';
import type { Config } from '../../config/index.js';
import type { Logger } from '../core/logging/logger.js';
import type { Store } from '../store/index.js';
import { MODERATION_USAGE, parseModerationCommand, runModerationCommand, type ModerationCommand } from './moderation-commands.js';

import { UsageError } from './usage-error.js';

export { UsageError };

export const USAGE =
  'usage: node dist/server/admin/cli.js [--config <file>] <command>; commands: ' +
  `invite create [--count N] | account grant-admin <username> | account revoke-admin <username> | ${MODERATION_USAGE}`;

export type AdminCommand =
  | { kind: 'invite-create'; count: number }
  | { kind: 'grant-admin'; username: string }
  | { kind: 'revoke-admin'; username: string }
  | { kind: 'moderation'; command: ModerationCommand };

/** Splits the arguments into configuration flags (for loadProcessConfig) and one command. */
export function parseAdminArgs(argv: readonly string[]): { configArgs: string[]; command: AdminCommand } {
  const configArgs: string[] = [];
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--config') {
      const value = argv[++i];
      if (value === undefined) throw new UsageError('--config: missing value; expected --config <path to a JSON file>');
      configArgs.push(arg, value);
    } else if (arg.startsWith('--config=')) configArgs.push(arg);
    else rest.push(arg);
  }
  return { configArgs, command: parseCommand(rest) };
}

function parseCommand(args: readonly string[]): AdminCommand {
  const [group, action, ...more] = args;
  if (group === 'invite' && action === 'create') return { kind: 'invite-create', count: parseCount(more) };
  if (group === 'account' && (action === 'grant-admin' || action === 'revoke-admin')) {
    const [name, ...extra] = more;
    if (name === undefined || name.startsWith('-')) throw new UsageError(`account ${action}: missing <username>`);
    if (extra.length > 0) throw new UsageError(`account ${action}: unexpected argument "${extra[0]}"`);
    const username = normalizeUsername(name);
    if (!USERNAME_PATTERN.test(username)) throw new UsageError(`account ${action}: "${name}" is not a valid username (3 to 32 of a-z 0-9 _ . -)`);
    return { kind: action, username };
  }
  const moderation = parseModerationCommand(args);
  if (moderation) return { kind: 'moderation', command: moderation };
  if (group === undefined) throw new UsageError(`no command given; ${USAGE}`);
  throw new UsageError(`unknown command "${args.join(' ')}"; ${USAGE}`);
}

function parseCount(args: readonly string[]): number {
  if (args.length === 0) return 1;
  const [flag, value, ...extra] = args;
  let text: string | undefined;
  if (flag === '--count') text = value;
  else if (flag?.startsWith('--count=')) {
    text = flag.slice('--count='.length);
    if (value !== undefined) extra.unshift(value);
  } else throw new UsageError(`invite create: unexpected argument "${flag}"; expected --count N`);
  if (extra.length > 0) throw new UsageError(`invite create: unexpected argument "${extra[0]}"`);
  const count = text !== undefined && /^\d{1,3}$/.test(text) ? Number(text) : NaN;
  if (!(count >= 1 && count <= MAX_INVITES_AT_ONCE)) {
    throw new UsageError(`invite create: --count must be an integer from 1 to ${MAX_INVITES_AT_ONCE}`);
  }
  return count;
}

/** Runs one command; `out` receives the lines meant for standard output. */
export async function runAdminCommand(command: AdminCommand, deps: { store: Store; out: (line: string) => void; config?: Config; log?: Logger }): Promise<void> {
  switch (command.kind) {
    case 'invite-create': {
      const codes = await new InviteService({ store: deps.store }).create(command.count);
      for (const code of codes) deps.out(code);
      return;
    }
    case 'grant-admin':
    case 'revoke-admin': {
      const grant = command.kind === 'grant-admin';
      if (!(await deps.store.accounts.setAdmin(command.username, grant))) {
        throw new UsageError(`no account with username "${command.username}"`);
      }
      deps.out(`${command.username} is ${grant ? 'now' : 'no longer'} an administrator`);
      return;
    }
    case 'moderation':
      if (!deps.config || !deps.log) throw new Error('moderation commands need the configuration and a logger');
      return runModerationCommand(command.command, { store: deps.store, config: deps.config, log: deps.log, out: deps.out });
    default:
      assertNever(command, 'admin command');
  }
}
