import type { Store } from '../../server/store/index.js';

/** The current test's store, for the contract sections (test/helpers/store-contract-*.ts). */
export interface ContractContext {
  store(): Store;
  reopen(): Promise<Store>;
}
