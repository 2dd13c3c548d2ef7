import { describeCounterStore } from '../../test/contracts/counter-store.js';
import { MemoryCounterStore } from './memory-store.js';

describeCounterStore('the memory counter store', async () => new MemoryCounterStore());
