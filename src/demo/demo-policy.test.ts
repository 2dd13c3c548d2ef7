import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { decide } from '../policy/decide.js';
import { loadPolicy } from '../policy/policy-file.js';
import { SMARTLEAD_TOOLS } from './smartlead-tools.js';

test('the denied tool the demo\'s configuration and the README tell a newcomer to try is a demo tool, and denied', () => {
  const named = /denied tool to\s+#\s*try: (\w+)/.exec(readFileSync('examples/demo/toolgate.yaml', 'utf8'))?.[1];
  assert.ok(named, 'examples/demo/toolgate.yaml names a denied tool to try');
  assert.ok(readFileSync('README.md', 'utf8').includes(`--tool-name ${named} `), 'the README\'s demo section names the same tool');
  assert.ok(SMARTLEAD_TOOLS.some((tool) => tool.name === named), `${named} is one of the demo server's tools`);
  const policy = loadPolicy('examples/demo/smartlead-policy.json', 'smartlead-policy.json').compiled;
  assert.equal(decide(policy, { tool: named, args: { campaign_id: 1 } }).kind, 'deny');
});
