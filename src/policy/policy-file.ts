import { unwatchFile, watch, watchFile, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import { readDocumentFile } from '../documents/read-text.js';
import { parsePolicy, type LoadedPolicy } from './parse.js';

/** Loads a policy from a file (any dialect, YAML or JSON), or from a document given inline (`label` names it). */
export function loadPolicy(spec: string | Record<string, unknown>, label: string): LoadedPolicy {
  if (typeof spec !== 'string') return parsePolicy(JSON.stringify(spec), label);
  return parsePolicy(readDocumentFile(spec), spec);
}

/** How often a policy file is looked at, for the changes its directory's watch does not see. */
export const POLL_INTERVAL_MS = 1_000;

/**
 * Calls `onChange` after the file changes. The directory is watched, not the file: editors and config tools
 * replace a file by renaming a new one over it, which ends a watch on the old file. The file is also looked at once
 * a second, which sees what no directory event reports: a file on a network filesystem changed by another machine,
 * or one reached through a symbolic link whose target changes (a Kubernetes ConfigMap swaps its `..data` link).
 */
export function watchPolicyFile(file: string, onChange: () => void): () => void {
  const name = basename(file);
  let timer: NodeJS.Timeout | undefined;
  // One save is often several events (truncate, write, rename): act once they settle.
  const settle = () => {
    clearTimeout(timer);
    timer = setTimeout(onChange, 50);
  };
  const watcher: FSWatcher = watch(dirname(file), (_event, changed) => {
    if (changed === null || changed === name) settle();
  });
  watcher.unref();
  const polled = (now: { mtimeMs: number; ino: number; size: number }, before: { mtimeMs: number; ino: number; size: number }) => {
    if (now.mtimeMs !== before.mtimeMs || now.ino !== before.ino || now.size !== before.size) settle();
  };
  watchFile(file, { interval: POLL_INTERVAL_MS, persistent: false }, polled);
  return () => {
    clearTimeout(timer);
    watcher.close();
    unwatchFile(file, polled);
  };
}
