import { describeAuditSink } from '../../test/contracts/audit-sink.js';
import { MemoryAuditSink } from './memory-sink.js';

describeAuditSink('the memory audit sink', async () => {
  const sink = new MemoryAuditSink();
  const at = (seq: number) => sink.entries.findIndex((c) => c.seq === seq);
  return {
    sink,
    edit: async (seq) => {
      const chained = sink.entries[at(seq)]!;
      sink.entries[at(seq)] = { ...chained, entry: { ...chained.entry, time: chained.entry.time + 1 } };
    },
    remove: async (seq) => void sink.entries.splice(at(seq), 1),
  };
});
