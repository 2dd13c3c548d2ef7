import { mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { DocumentError, type Problem } from '../documents/errors.js';
import { writeFileAtomically } from '../documents/write-file-atomically.js';
import { policyVersion } from './compile.js';
import type { Dialect } from './dialects/conversion.js';
import { parsePolicy, type LoadedPolicy } from './parse.js';
import { PolicyChangeError } from './policy-change-error.js';
import { setToolRule, type ToolRuleChange } from './set-tool-rule.js';

/** The folder beside a policy file where the versions it replaced are kept. */
export const VERSIONS_FOLDER = '.toolgate-versions';
/** Versions kept per policy file; older ones are removed as new ones are kept. */
export const KEPT_VERSIONS = 50;

/** A version a write replaced, as kept: its number, its file, when it was replaced, and what it is. */
export interface KeptVersion {
  readonly n: number;
  readonly file: string;
  readonly replacedAt: number;
  /** Its version digest, as the gateway would report it once rolled back to. */
  readonly version: string;
  /** Its dialect, or why it does not load (a hand edit that was replaced before it was fixed). */
  readonly dialect?: Dialect;
  readonly error?: string;
}

/** What a write did. */
export interface PolicyWrite {
  /** The policy now in the file. */
  readonly loaded: LoadedPolicy;
  /** The version it replaced, and the number it is kept under (none when the file did not exist). */
  readonly previous?: string;
  readonly kept?: number;
  /** What else the change did, for the person who asked (a tool un-hidden, a file converted to the canonical form). */
  readonly notes: readonly Problem[];
}

const DIALECT_WORDS: Record<Dialect, string> = { canonical: 'a canonical', intercept: 'an Intercept', 'rule-list': 'a rule-list' };

/**
 * Changes one policy file while a gateway may be reading it: every change is validated as `toolgate policy check`
 * validates (a DocumentError naming each problem by its pointer, the file untouched), the text it replaces is kept
 * in `<folder>/.toolgate-versions/<file>.<n><ext>` (n increasing), and the file is replaced atomically. A file in
 * another dialect is written back in the canonical form, as JSON, which the loader reads whatever the file's name:
 * the configuration that names it need not change. Synchronous on purpose: nothing else in this process runs
 * between reading the file and replacing it.
 */
export class PolicyWriter {
  private readonly folder: string;
  private readonly name: string;
  private readonly extension: string;

  constructor(readonly file: string) {
    this.folder = join(dirname(file), VERSIONS_FOLDER);
    this.name = basename(file);
    this.extension = extname(file) || '.json';
  }

  /** The whole document replaced by `document` (in any dialect, as `policy check` reads it). */
  replace(document: unknown): PolicyWrite {
    const text = `${JSON.stringify(document, null, 2)}\n`;
    return this.write(text, parsePolicy(text, this.file), []);
  }

  /** `base` (the policy in force) with one tool's rule set (set-tool-rule.ts), written. */
  setTool(base: LoadedPolicy, tool: string, rule: ToolRuleChange): PolicyWrite {
    const { document, notes } = setToolRule(base.document, tool, rule);
    const text = `${JSON.stringify(document, null, 2)}\n`;
    return this.write(text, parsePolicy(text, this.file), notes);
  }

  /** Every kept version, newest first. */
  versions(): KeptVersion[] {
    return this.keptNumbers().map((n) => this.describe(n));
  }

  /** The kept version `to` (by default the newest: what the file held before the last change) written back. */
  rollback(to?: number): PolicyWrite {
    const versions = this.versions();
    const target = to === undefined ? versions[0] : versions.find((v) => v.n === to);
    if (!target) {
      const which = versions.length === 0 ? `no versions of ${this.file} are kept` : `no version ${to} of ${this.file} is kept (kept: ${versions.map((v) => v.n).join(', ')})`;
      throw new PolicyChangeError('no_such_version', which);
    }
    const text = readFileSync(target.file, 'utf8');
    return this.write(text, parsePolicy(text, target.file), []);
  }

  private write(text: string, loaded: LoadedPolicy, notes: readonly Problem[]): PolicyWrite {
    const before = readIfPresent(this.file);
    if (before === undefined) {
      writeFileAtomically(this.file, text);
      return { loaded, notes };
    }
    const kept = this.keep(before);
    const was = readPolicy(before, this.file);
    const converted: Problem[] =
      'dialect' in was && was.dialect !== 'canonical' && loaded.dialect === 'canonical'
        ? [{ pointer: '', message: `${this.file} was ${DIALECT_WORDS[was.dialect]} policy; it is now written in the canonical form, as JSON (the original is kept as version ${kept})` }]
        : [];
    writeFileAtomically(this.file, text);
    this.prune();
    return { loaded, previous: policyVersion(before), kept, notes: [...converted, ...notes] };
  }

  /** Keeps `text` as the next version; a number another writer took first is skipped. */
  private keep(text: string): number {
    mkdirSync(this.folder, { recursive: true });
    for (let n = (this.keptNumbers()[0] ?? 0) + 1; ; n++) {
      try {
        writeFileAtomically(this.versionFile(n), text, { exclusive: true });
        return n;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
    }
  }

  private prune(): void {
    for (const n of this.keptNumbers().slice(KEPT_VERSIONS)) rmSync(this.versionFile(n), { force: true });
  }

  /** The numbers of the kept versions, newest first. */
  private keptNumbers(): number[] {
    let names: string[];
    try {
      names = readdirSync(this.folder);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    return names.map((name) => this.versionNumber(name)).filter((n) => n !== undefined).sort((a, b) => b - a);
  }

  private versionFile(n: number): string {
    return join(this.folder, `${this.name}.${n}${this.extension}`);
  }

  private versionNumber(name: string): number | undefined {
    const prefix = `${this.name}.`;
    if (!name.startsWith(prefix) || !name.endsWith(this.extension)) return undefined;
    const digits = name.slice(prefix.length, name.length - this.extension.length);
    return /^[1-9]\d*$/.test(digits) ? Number(digits) : undefined;
  }

  private describe(n: number): KeptVersion {
    const file = this.versionFile(n);
    const text = readFileSync(file, 'utf8');
    return { n, file, replacedAt: statSync(file).mtimeMs, version: policyVersion(text), ...readPolicy(text, file) };
  }
}

function readIfPresent(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** The dialect of a policy's text, or why it does not load. */
function readPolicy(text: string, source: string): { dialect: Dialect } | { error: string } {
  try {
    return { dialect: parsePolicy(text, source).dialect };
  } catch (error) {
    if (error instanceof DocumentError) return { error: error.message };
    throw error;
  }
}
