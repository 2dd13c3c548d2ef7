import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decision, outcome } from '../../test/contracts/audit-sink.js';
import { chain, GENESIS_ANCHOR } from './chain.js';
import { joinOutcomes } from './join-outcomes.js';

test('each request is one row: its decision with its outcome, in page order', () => {
  const page = chain(GENESIS_ANCHOR, [outcome(0), decision(1), decision(2), outcome(1)]);
  assert.deepEqual(joinOutcomes(page), [
    { requestId: 'req-0', seq: 1, outcome: outcome(0) },
    { requestId: 'req-1', seq: 2, decision: decision(1), outcome: outcome(1) },
    { requestId: 'req-2', seq: 3, decision: decision(2) },
  ]);
});
