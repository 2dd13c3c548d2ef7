import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { AUDIT_COLUMNS, fromRow, rowValues, storedEntry, type AuditRow } from '../../src/audit/audit-rows.js';
import type { LogVerification } from '../../src/audit/verify-log.js';
import { chain } from '../../src/audit/chain.js';
import { FIXTURE, httpClient } from './harness.js';

/** Signed checkpoints and published heads, end to end: keygen, a gateway that signs, and verify against both. */

const CLI = [process.execPath, '--import', 'tsx', 'src/cli/main.ts'] as const;
const dir = mkdtempSync(join(tmpdir(), 'toolgate-cli-audit-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** The private key's file, for ${AUDIT_KEY}: every command reading the configuration needs its variables set. */
let auditKey = '';
const toolgate = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(CLI[0], [...CLI.slice(1), ...args], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, AUDIT_KEY: auditKey, ...env } });

/** A configuration beside its SQLite file; the signing key comes from ${AUDIT_KEY}. */
function config(name: string, database: string): string {
  const file = join(dir, name);
  const fixture = { ...FIXTURE, cwd: process.cwd(), policy: { version: '1', default: 'allow' } };
  writeFileSync(file, JSON.stringify({ store: `sqlite:./${database}`, audit: { signing_key: '${AUDIT_KEY}' }, servers: { fixture } }));
  return file;
}

function rows(database: string): AuditRow[] {
  const db = new Database(join(dir, database), { readonly: true });
  try {
    return db.prepare<[], AuditRow>('SELECT * FROM toolgate_audit ORDER BY seq').all();
  } finally {
    db.close();
  }
}

describe('a gateway with audit.signing_key', () => {
  const signed = config('signed.yaml', 'signed.db');
  let keys: { keyId: string; privateKey: string; publicKey: string };
  /** The last 'audit chain head' line the gateway logged. */
  let published: string;

  before(async () => {
    const keygen = toolgate(['audit', 'keygen', '--out', join(dir, 'keys'), '--json']);
    assert.equal(keygen.status, 0, keygen.stderr);
    keys = JSON.parse(keygen.stdout) as typeof keys;
    auditKey = keys.privateKey;
    const child = spawn(CLI[0], [...CLI.slice(1), 'serve', '--config', signed, '--port', '0', '--json'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, AUDIT_KEY: keys.privateKey } });
    const logged: string[] = [];
    createInterface({ input: child.stderr }).on('line', (line) => logged.push(line));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const { value } = await createInterface({ input: child.stdout })[Symbol.asyncIterator]().next();
    const client = await httpClient(new URL((JSON.parse(value as string) as { servers: Record<string, string> }).servers.fixture!));
    for (let i = 0; i < 5; i++) await client.callTool({ name: 'echo', arguments: { message: String(i) } });
    await client.close();
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
    const heads = logged.map((line) => JSON.parse(line) as { msg: string; auditSeq: number; auditHash: string }).filter(({ msg }) => msg === 'audit chain head');
    assert.ok(heads.length > 0, logged.join('\n'));
    published = `${heads.at(-1)!.auditSeq}:${heads.at(-1)!.auditHash}`;
  });

  test('keygen writes the private key for its owner only', () => {
    assert.equal(statSync(keys.privateKey).mode & 0o777, 0o600);
    assert.match(keys.keyId, /^[0-9a-f]{16}$/);
  });

  test('shuts down with a checkpoint of its last entry; verify with the public key and the logged head passes', () => {
    const log = rows('signed.db').map(fromRow);
    const last = log.at(-1)!;
    assert.equal(last.entry.kind, 'checkpoint');
    assert.deepEqual(last.entry.kind === 'checkpoint' && { head: last.entry.head, key: last.entry.key }, { head: { seq: last.seq - 1, hash: log.at(-2)!.hash }, key: keys.keyId });
    assert.equal(published, `${last.seq}:${last.hash}`, 'the logged head is the checkpoint');
    const verify = toolgate(['audit', 'verify', '--config', signed, '--public-key', keys.publicKey, '--head', published, '--json']);
    assert.equal(verify.status, 0, verify.stdout + verify.stderr);
    const result = JSON.parse(verify.stdout) as LogVerification;
    assert.deepEqual(result.heads, [{ seq: last.seq, hash: last.hash, ok: true }]);
    assert.deepEqual(result.checkpoints, { ok: true, count: 1, signed: { seq: last.seq - 1, time: last.entry.time }, unsigned: 0, pruned: 0 });
    const text = toolgate(['audit', 'verify', '--config', signed, '--public-key', keys.publicKey]);
    assert.match(text.stdout, /1 checkpoints verified; the newest signs entry \d+ \(.*\), nothing after it/);
  });

  test('audit tail shows calls and pin events, not checkpoints', () => {
    const tail = toolgate(['audit', 'tail', '--config', signed, '--json']);
    assert.equal(tail.status, 0, tail.stderr);
    const rows = tail.stdout.trim().split('\n').map((line) => JSON.parse(line) as { decision?: { tool: string }; pin?: { tool: string; event: string } });
    assert.deepEqual(rows.filter((row) => row.decision).map((row) => row.decision!.tool), ['echo', 'echo', 'echo', 'echo', 'echo']);
    assert.ok(rows.every((row) => row.decision || row.pin?.event === 'pinned'), `only calls and the tools pinned when first listed: ${tail.stdout}`);
  });

  test('entries deleted from the end pass verify, and fail it given the published head', () => {
    const db = new Database(join(dir, 'signed.db'));
    db.exec(`VACUUM INTO '${join(dir, 'truncated.db')}'`);
    db.close();
    const truncated = config('truncated.yaml', 'truncated.db');
    const raw = new Database(join(dir, 'truncated.db'));
    raw.prepare('DELETE FROM toolgate_audit WHERE seq > (SELECT max(seq) - 3 FROM toolgate_audit)').run();
    raw.close();
    assert.equal(toolgate(['audit', 'verify', '--config', truncated]).status, 0, 'the chain alone cannot see it');
    const verify = toolgate(['audit', 'verify', '--config', truncated, '--head', published]);
    assert.equal(verify.status, 1);
    assert.match(verify.stdout, /published head \d+ does not hold: the log ends at entry \d+, before the published head \d+: entries were deleted from its end/);
  });

  test("a row edited and every later hash recomputed with the project's chain code passes verify, and fails it with the public key", () => {
    const log = rows('signed.db').map(fromRow);
    const first = log.findIndex(({ entry }) => entry.kind === 'decision');
    const edited = log.map(({ entry }, i) => (i === first ? { ...entry, tool: 'something-else' } : entry));
    const rechained = chain({ seq: log[0]!.seq, prevHash: log[0]!.prevHash }, edited);
    const db = new Database(join(dir, 'signed.db'));
    db.transaction(() => {
      db.exec('DELETE FROM toolgate_audit');
      const insert = db.prepare(`INSERT INTO toolgate_audit (${AUDIT_COLUMNS}) VALUES (${AUDIT_COLUMNS.map(() => '?')})`);
      for (const linked of rechained) insert.run(rowValues(linked, storedEntry(linked.entry)));
    })();
    db.close();
    const plain = toolgate(['audit', 'verify', '--config', signed]);
    assert.equal(plain.status, 0, `every link is consistent: ${plain.stdout}`);
    const verify = toolgate(['audit', 'verify', '--config', signed, '--public-key', keys.publicKey]);
    assert.equal(verify.status, 1, verify.stdout + verify.stderr);
    assert.match(verify.stdout, /checkpoints fail at entry \d+: entry \d+ is not the entry checkpoint \d+ signed: the log was changed at or before entry \d+, and its hashes recomputed/);
  });

  test('a signing key that is not a private key stops the gateway with a configuration error naming the field', () => {
    const run = toolgate(['serve', '--config', signed, '--port', '0'], { AUDIT_KEY: keys.publicKey });
    assert.equal(run.status, 2);
    assert.match(run.stderr, /\/audit\/signing_key: .*audit-signing\.pub\.pem is not a PEM private key/);
  });
});
