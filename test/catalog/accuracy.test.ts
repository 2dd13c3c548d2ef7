import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { classify, rank } from '../../src/catalog/classify.js';
import { findingsOf, siblingsOf } from '../../src/catalog/findings.js';
import type { ToolDefinition } from '../../src/catalog/tool-definition.js';
import type { RiskClass, Severity } from '../../src/catalog/vocabulary.js';

/**
 * The classifier against the labelled fixture (test/fixtures/catalog: real servers' definitions as they list them,
 * and SaaS-style ones written for it), and the poisoning findings against clean and poisoned pairs. The figures
 * are printed; the floors at the end are what the classifier reaches now, so a change that makes it worse fails.
 * The issue's targets: class ≥ 95 %, and no Destructive, Financial or Execute tool ever taken for Read.
 */

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'catalog');

interface Labelled {
  server: string;
  split: 'train' | 'heldout';
  tool: ToolDefinition;
  label: { class: RiskClass; severity: Severity };
}

const percent = (n: number, of: number) => `${((100 * n) / Math.max(of, 1)).toFixed(1)} % (${n}/${of})`;

test('class and severity accuracy on the labelled definitions, and the dangerous tools taken for Read', () => {
  const entries = JSON.parse(readFileSync(join(FIXTURES, 'tools.json'), 'utf8')) as Labelled[];
  // As `toolgate catalog` reads them: each tool beside its own server's others, whose names it may mention.
  const servers = new Map<string, ToolDefinition[]>();
  for (const { server, tool } of entries) servers.set(server, [...(servers.get(server) ?? []), tool]);
  const siblings = new Map([...servers].map(([server, tools]) => [server, siblingsOf(tools)]));
  const results = entries.map((entry) => ({ entry, got: classify(entry.tool, { server: entry.server, siblings: siblings.get(entry.server)! }) }));
  const report = (split?: string) => {
    const chosen = results.filter((r) => !split || r.entry.split === split);
    const classes = chosen.filter((r) => r.got.class === r.entry.label.class).length;
    const severities = chosen.filter((r) => r.got.severity === r.entry.label.severity).length;
    return { chosen, classes, severities };
  };
  for (const split of [undefined, 'train', 'heldout'] as const) {
    const { chosen, classes, severities } = report(split);
    console.log(`catalogue accuracy (${split ?? 'all'}): class ${percent(classes, chosen.length)}, severity ${percent(severities, chosen.length)}`);
  }
  // Only the train split's mistakes are printed: the held-out servers measure, they are not read to choose rules.
  for (const { entry, got } of results) {
    if (entry.split === 'train' && got.class !== entry.label.class) console.log(`  ${entry.server}/${entry.tool.name}: ${got.class}, labelled ${entry.label.class} (${got.rationale.join('; ')})`);
  }
  const takenForRead = results.filter((r) => rank(r.entry.label.class) >= rank('Financial') && r.got.class === 'Read').map((r) => `${r.entry.server}/${r.entry.tool.name}`);
  console.log(`dangerous tools taken for Read: ${takenForRead.length}${takenForRead.length > 0 ? ` (${takenForRead.join(', ')})` : ''}; target 0`);
  assert.ok(takenForRead.length <= TAKEN_FOR_READ_CEILING, `more dangerous tools taken for Read than before: ${takenForRead.join(', ')}`);
  const { chosen, classes, severities } = report();
  assert.ok(classes / chosen.length >= CLASS_FLOOR, `class accuracy ${percent(classes, chosen.length)} fell below ${CLASS_FLOOR * 100} %`);
  assert.ok(severities / chosen.length >= SEVERITY_FLOOR, `severity accuracy ${percent(severities, chosen.length)} fell below ${SEVERITY_FLOOR * 100} %`);
});

test('poisoning: detection and false-positive rates', () => {
  const pairs = JSON.parse(readFileSync(join(FIXTURES, 'poisoning.json'), 'utf8')) as { clean: ToolDefinition; poisoned?: ToolDefinition; kind: string; siblings?: string[] }[];
  // A benign entry may say which tools are its server's own (`siblings`); poisoned ones name none.
  const findings = (tool: ToolDefinition, siblings: string[] = []) => findingsOf(tool, { siblings: new Set(siblings) });
  const poisoned = pairs.filter((p) => p.poisoned);
  const detected = poisoned.filter((p) => findings(p.poisoned!).length > 0);
  const cleanOnes = pairs.map((p) => ({ tool: p.clean, siblings: p.siblings }));
  const falsePositives = cleanOnes.filter(({ tool, siblings }) => findings(tool, siblings).length > 0);
  console.log(`poisoning: detected ${percent(detected.length, poisoned.length)}, false positives ${percent(falsePositives.length, cleanOnes.length)}`);
  for (const p of poisoned) if (findings(p.poisoned!).length === 0) console.log(`  missed (${p.kind}): ${p.poisoned!.name}`);
  for (const { tool, siblings } of falsePositives) console.log(`  false positive: ${tool.name}: ${JSON.stringify(findings(tool, siblings))}`);
  assert.ok(detected.length / poisoned.length >= DETECTION_FLOOR, `detection ${percent(detected.length, poisoned.length)} fell below the floor`);
  assert.ok(falsePositives.length / cleanOnes.length <= FALSE_POSITIVE_CEILING, `false positives ${percent(falsePositives.length, cleanOnes.length)} rose above the ceiling`);
});

/**
 * What the classifier reaches today, 2026-12-02 (tighten as it improves): class 96.3 % (train 97.7, heldout 92.3),
 * severity 70.6 % (train 71.2, heldout 69.0), no dangerous tool taken for Read (the issue's targets, #14, are met);
 * poisoning detected 100 % with no false positives, the benign entries' sibling tools named as `toolgate catalog`
 * names them. The poisoning patterns were written against this fixture: there is no held-out poisoning set yet, so
 * 100 % is an upper bound.
 */
const CLASS_FLOOR = 0.96;
const SEVERITY_FLOOR = 0.7;
const TAKEN_FOR_READ_CEILING = 0;
const DETECTION_FLOOR = 1;
const FALSE_POSITIVE_CEILING = 0;
