import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CLASSES, mirrorAvailable, readCorpus, type Case } from './intercept-corpus.js';
import { runCase, type CaseResult, type UnitKind } from './intercept-toolgate.js';

/**
 * How far Toolgate's Intercept dialect behaves as Intercept does, measured on the corpus in
 * test/fixtures/intercept/ (see its README). While the dialect is being fixed this test does not demand a full
 * match: it demands well-formed cases, at least FLOOR matching cases, and every deliberate difference holding.
 * A fix raises the floor, so the match it brings cannot be lost again.
 */

/** Cases that match Intercept today: `own` on cases written here, `shipped` on Intercept's own files (mirror). */
const FLOOR = { own: 233, shipped: 72 };

const COLUMNS: UnitKind[] = ['load', 'errors', 'decision', 'message', 'rule', 'listing'];
const HEADINGS: Record<UnitKind, string> = { load: 'loads', errors: 'errors', decision: 'decisions', message: 'messages', rule: 'rules', listing: 'lists' };

const files = readCorpus();
const cases = files.flatMap((f) => f.cases);

/** A case matches when every unit compared with Intercept does (rule names aside) and every deliberate one holds. */
const matches = (r: CaseResult) => !r.skipped && r.units.every((u) => u.match || u.kind === 'rule');
const shipped = (c: Case) => c.mirror !== undefined;

test('every case file of the Intercept corpus is well formed', () => {
  assert.ok(files.length > 0, 'the corpus has case files');
  const problems = files.flatMap((f) => f.problems.map((p) => `${f.file}: ${p}`));
  assert.deepEqual(problems, [], 'no case file has problems');
  const ids = cases.map((c) => c.id);
  const repeated = ids.filter((id, i) => ids.indexOf(id) !== i);
  assert.deepEqual(repeated, [], 'case ids are unique');
});

test('the Intercept dialect matches Intercept on at least FLOOR cases, and its deliberate differences hold', async () => {
  const results: CaseResult[] = [];
  for (const c of cases) results.push(await runCase(c));
  process.stdout.write(report(results));

  const own = results.filter((r) => !shipped(r.case) && matches(r)).length;
  assert.ok(own >= FLOOR.own, `${own} of the corpus's own cases match Intercept; the floor is ${FLOOR.own}`);
  if (mirrorAvailable()) {
    const ofShipped = results.filter((r) => shipped(r.case) && matches(r)).length;
    assert.ok(ofShipped >= FLOOR.shipped, `${ofShipped} cases on Intercept's files match; the floor is ${FLOOR.shipped}`);
  }
  const broken = results.flatMap((r) => r.units.filter((u) => u.deliberate && !u.match).map((u) => `${r.case.id} ${u.label}: expected ${u.expected}, got ${u.got}`));
  assert.deepEqual(broken, [], 'every deliberate difference behaves as its case says Toolgate does');
});

function report(results: CaseResult[]): string {
  const ratio = (m: number, n: number) => (n === 0 ? '—' : `${m}/${n} ${Math.round((100 * m) / n)}%`);
  const row = (label: string, rs: CaseResult[]) => {
    const compared = rs.flatMap((r) => r.units.filter((u) => !u.deliberate));
    const cells = COLUMNS.map((kind) => {
      const of = compared.filter((u) => u.kind === kind);
      return ratio(of.filter((u) => u.match).length, of.length);
    });
    const run = rs.filter((r) => !r.skipped);
    return [label, ratio(run.filter(matches).length, run.length), ...cells];
  };
  const rows = [['class', 'cases', ...COLUMNS.map((k) => HEADINGS[k])]];
  for (const cls of CLASSES) {
    const of = results.filter((r) => r.case.class === cls);
    if (of.length > 0) rows.push(row(cls, of));
  }
  rows.push(row('overall', results));
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const table = rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');

  const skipped = results.filter((r) => r.skipped).length;
  const deliberate = results.flatMap((r) => r.units.filter((u) => u.deliberate));
  const lines = [
    '',
    `Intercept dialect: ${results.length} cases (${skipped} skipped: no mirror of Intercept at hand), units compared with Intercept per column`,
    table,
    `matching cases: ${results.filter((r) => !shipped(r.case) && matches(r)).length} of the corpus's own (FLOOR.own ${FLOOR.own}), ` +
      `${results.filter((r) => shipped(r.case) && matches(r)).length} on Intercept's files (FLOOR.shipped ${FLOOR.shipped})`,
    `deliberate differences holding: ${deliberate.filter((u) => u.match).length}/${deliberate.length}`,
    '',
    'mismatches (case, unit: Intercept, Toolgate):',
  ];
  for (const r of results) {
    for (const u of r.units.filter((unit) => !unit.match && !unit.deliberate)) {
      lines.push(`  ${r.case.id} [${r.case.class}] ${HEADINGS[u.kind]} ${u.label}`, `      intercept: ${u.expected}`, `      toolgate:  ${u.got}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
