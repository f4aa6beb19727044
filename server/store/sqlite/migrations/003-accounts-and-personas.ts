import type { Migration } from '../migrations.js';

/** Reserved slot, filled in by the accounts work in progress (versions must stay consecutive). */
export const accountsSchema: Migration = {
  version: 3,
  name: 'accounts-and-personas',
  up() {
    // filled in by the accounts change
  },
};
