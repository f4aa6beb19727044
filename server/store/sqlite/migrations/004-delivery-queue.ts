import type { Migration } from '../migrations.js';

/** Reserved slot, filled in by the delivery work in progress (versions must stay consecutive). */
export const deliverySchema: Migration = {
  version: 4,
  name: 'delivery-queue',
  up() {
    // filled in by the delivery change
  },
};
