import { describeGrantStore } from '../../test/contracts/grant-store.js';
import { MemoryGrantStore } from './memory-grant-store.js';

describeGrantStore('the memory grant store', async () => ({ store: new MemoryGrantStore() }));
