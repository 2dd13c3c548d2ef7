import { open, readFile, rename, truncate, type FileHandle } from 'node:fs/promises';
import type { AuditEntry, ChainedEntry } from './audit-record.js';
import { pageOf } from './audit-filter.js';
import type { AuditFilter, AuditPage, AuditResult, AuditSink } from './audit-sink.js';
import { canonical } from '../documents/canonical-json.js';
import { chain, GENESIS_ANCHOR, nextLink, verifyChain, type ChainAnchor, type VerifyResult } from './chain.js';
import { GroupCommit } from './group-commit.js';
import type { Durability } from '../store/durability.js';

/** A log file as read back: the anchor line a prune wrote first, if any, then the entries. */
interface Log {
  anchor: ChainAnchor;
  entries: ChainedEntry[];
}

function parseLog(text: string): Log {
  const lines = text.split('\n').filter((line) => line !== '');
  const first = lines[0] === undefined ? undefined : (JSON.parse(lines[0]) as { anchor?: ChainAnchor });
  const anchor = first?.anchor ?? GENESIS_ANCHOR;
  return { anchor, entries: lines.slice(first?.anchor ? 1 : 0).map((line) => JSON.parse(line) as ChainedEntry) };
}

const lines = (values: readonly object[]) => values.map((value) => `${canonical(value)}\n`).join('');

/**
 * The audit log as JSON lines, one chained entry a line, for a log shipper to pick up. Each batch is written with one
 * write before its appends resolve (the kernel has it: a killed process loses nothing), and with `durability: power`
 * fsync'd too. One process writes a file; `-` writes to stdout, which cannot be
 * read back, queried, verified or pruned here (the reader downstream verifies what it receives).
 */
export class JsonlAuditSink implements AuditSink {
  private readonly commits = new GroupCommit((entries) => this.write(entries));

  private constructor(
    private readonly path: string,
    private file: FileHandle | undefined,
    private next: ChainAnchor,
    private readonly durability: Durability,
  ) {}

  /** Opens (or creates) the file and finds the chain's head; a line torn by a crash was never acknowledged and is cut. */
  static async open(path: string, durability: Durability = 'process'): Promise<JsonlAuditSink> {
    if (path === '-') return new JsonlAuditSink(path, undefined, GENESIS_ANCHOR, durability);
    const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? '' : Promise.reject(error)));
    const whole = text.slice(0, text.lastIndexOf('\n') + 1);
    if (whole.length < text.length) await truncate(path, Buffer.byteLength(whole));
    const log = parseLog(whole);
    return new JsonlAuditSink(path, await open(path, 'a'), nextLink(log.entries.at(-1), log.anchor), durability);
  }

  append(entry: AuditEntry): Promise<ChainedEntry> {
    return this.commits.append(entry);
  }

  async query(filter: AuditFilter, page: AuditPage): Promise<AuditResult> {
    return pageOf((await this.read()).entries, filter, page);
  }

  async verify(): Promise<VerifyResult> {
    const log = await this.read();
    return verifyChain(log.entries, log.anchor);
  }

  /** Rewrites the file without the oldest entries, anchored at the first kept one; the old file is replaced at once. */
  prune(before: number): Promise<number> {
    return this.commits.exclusive(async () => {
      const log = await this.read();
      const cut = log.entries.findIndex(({ entry }) => entry.time >= before);
      const kept = cut === -1 ? [] : log.entries.slice(cut);
      const anchor = kept[0] ? { seq: kept[0].seq, prevHash: kept[0].prevHash } : this.next;
      const temporary = `${this.path}.prune-${process.pid}`;
      const rewritten = await open(temporary, 'w');
      await rewritten.writeFile(lines([{ anchor }, ...kept]));
      await rewritten.sync();
      await rewritten.close();
      await rename(temporary, this.path);
      await this.file!.close();
      this.file = await open(this.path, 'a');
      return log.entries.length - kept.length;
    });
  }

  /** The file is still open (a stat of its handle); stdout always answers. */
  async ping(): Promise<void> {
    await this.file?.stat();
  }

  async close(): Promise<void> {
    await this.commits.exclusive(() => this.file?.close());
  }

  private async write(entries: AuditEntry[]): Promise<ChainedEntry[]> {
    const chained = chain(this.next, entries);
    const text = lines(chained);
    if (this.file) {
      await this.file.write(text);
      if (this.durability === 'power') await this.file.sync();
    } else {
      await new Promise<void>((resolve, reject) => process.stdout.write(text, (error) => (error ? reject(error) : resolve())));
    }
    const last = chained.at(-1)!;
    this.next = { seq: last.seq + 1, prevHash: last.hash };
    return chained;
  }

  private async read(): Promise<Log> {
    if (!this.file) throw new Error('the audit log goes to stdout (jsonl:-), so it cannot be read back here; query, verify and prune a file or database sink');
    return parseLog(await readFile(this.path, 'utf8'));
  }
}
