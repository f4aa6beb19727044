import type { Migration } from '../migrations.js';

/** Reserved slot, filled in by the federation work in progress (versions must stay consecutive). */
export const federationSchema: Migration = {
  version: 5,
  name: 'federation-state',
  up() {
    // filled in by the federation change
  },
};
