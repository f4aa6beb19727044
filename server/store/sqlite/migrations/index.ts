import type { Migration } from '../migrations.js';
import { apexTables } from './001-apex.js';
import { instanceSettings } from './002-instance-settings.js';
import { accountsSchema } from './003-accounts-and-personas.js';
import { deliverySchema } from './004-delivery-queue.js';
import { federationSchema } from './005-federation-state.js';
import { roomsSchema } from './006-rooms.js';
import { remoteRoomsSchema } from './007-remote-rooms.js';
import { moderationSchema } from './008-moderation.js';

/**
 * Every schema migration, in order. To change the schema, add a file
 * `NNN-what.ts` exporting a {@link Migration} with the next version and append
 * it here; never edit or reorder a released one.
 */
export const MIGRATIONS: readonly Migration[] = [apexTables, instanceSettings, accountsSchema, deliverySchema, federationSchema, roomsSchema, remoteRoomsSchema, moderationSchema];
