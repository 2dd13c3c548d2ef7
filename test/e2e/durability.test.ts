import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { escapeIdentifier } from 'pg';
import type { Durability } from '../../src/store/durability.js';
import { testPostgres } from '../support/postgres.js';
import { unavailable } from '../support/services.js';

/**
 * `durability` as the kernel and the database server see it (store/durability.ts): in `power` mode every record a
 * call waits for is synced to disk, in `process` mode none is (it has reached the kernel or the server, which a
 * killed gateway cannot take back: test/e2e/write-ahead and the kill -9 tests show that). The syncs are counted, not
 * timed: strace counts the writer's fsync and fdatasync calls; PostgreSQL counts its WAL syncs in pg_stat_wal.
 */

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');
const WRITER = [process.execPath, '--import', 'tsx', resolve(ROOT, 'test/fixtures/durable-writer.ts')];
const RECORDS = 50;
const dir = mkdtempSync(join(tmpdir(), 'toolgate-durability-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const strace = spawnSync('strace', ['-V']).error ? unavailable('strace is not installed (apt-get install strace)') : undefined;

/** The fsync and fdatasync calls the writer (every thread) made while writing `RECORDS` records. */
async function syncsOf(part: 'audit' | 'counters', spec: string, durability: Durability): Promise<number> {
  const { stdout, stderr } = await run('strace', ['-f', '-c', '-e', 'trace=fsync,fdatasync', ...WRITER, part, spec, durability, String(RECORDS)], { cwd: ROOT });
  assert.match(stdout, /done/, `the writer wrote its records: ${stderr}`);
  return [...stderr.matchAll(/^\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?(?:fsync|fdatasync)$/gm)].reduce((sum, match) => sum + Number(match[1]), 0);
}

describe('durability, counted in syncs per record', { skip: strace }, () => {
  for (const [part, sink] of [
    ['audit', 'sqlite'],
    ['audit', 'jsonl'],
    ['counters', 'sqlite'],
  ] as const) {
    test(`${part} in ${sink}: power syncs every record before its write resolves, process none`, async () => {
      const spec = (durability: Durability) => (sink === 'jsonl' ? `jsonl:${join(dir, `${part}-${durability}.jsonl`)}` : `sqlite:${join(dir, `${part}-${durability}.db`)}`);
      const process = await syncsOf(part, spec('process'), 'process');
      const power = await syncsOf(part, spec('power'), 'power');
      assert.ok(power - process >= RECORDS, `power: at least one sync per record (${power} syncs for ${RECORDS} records, ${process} in process mode)`);
      assert.ok(process < RECORDS / 4, `process: no sync per record, only opening's and closing's (${process} for ${RECORDS} records)`);
    });
  }
});

const postgres = await testPostgres();

describe('durability of the PostgreSQL audit log, counted in the server’s WAL syncs', { skip: postgres.skip }, () => {
  const walSyncs = async () => Number((await postgres.admin.query<{ wal_sync: string }>('SELECT wal_sync FROM pg_stat_wal')).rows[0]!.wal_sync);

  /** The server's WAL syncs while the writer appends, once the statistics have settled (a backend reports at most once a second, and as it exits). */
  async function walSyncsOf(durability: Durability, settled: (syncs: number) => boolean): Promise<number> {
    const schema = postgres.freshSchema();
    await postgres.admin.query(`CREATE SCHEMA ${escapeIdentifier(schema)}`);
    const url = new URL(postgres.url);
    url.searchParams.set('options', `-c search_path=${schema}`);
    const before = await walSyncs();
    const { stdout } = await run(WRITER[0]!, [...WRITER.slice(1), 'audit', url.toString(), durability, String(RECORDS)], { cwd: ROOT });
    assert.match(stdout, /done/);
    let syncs = 0;
    for (let i = 0; i < 15 && !settled((syncs = (await walSyncs()) - before)); i++) await sleep(200);
    return syncs;
  }

  test('power: the server syncs its WAL for every batch; process: it does not wait to', async () => {
    const power = await walSyncsOf('power', (syncs) => syncs >= RECORDS);
    assert.ok(power >= RECORDS, `power: at least one WAL sync per record appended one at a time (${power} for ${RECORDS})`);
    await sleep(1_200);
    const process = await walSyncsOf('process', () => false);
    assert.ok(process < RECORDS / 2, `process: the commits are not synced one by one (${process} WAL syncs for ${RECORDS} records)`);
  });
});
