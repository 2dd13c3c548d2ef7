import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import { readDocumentFile } from '../documents/read-text.js';
import { parsePolicy, type LoadedPolicy } from './parse.js';

/** Loads a policy from a file (any dialect, YAML or JSON), or from a document given inline (`label` names it). */
export function loadPolicy(spec: string | Record<string, unknown>, label: string): LoadedPolicy {
  if (typeof spec !== 'string') return parsePolicy(JSON.stringify(spec), label);
  return parsePolicy(readDocumentFile(spec), spec);
}

/**
 * Calls `onChange` after the file changes. The directory is watched, not the file: editors and config tools
 * replace a file by renaming a new one over it, which ends a watch on the old file.
 */
export function watchPolicyFile(file: string, onChange: () => void): () => void {
  const name = basename(file);
  let timer: NodeJS.Timeout | undefined;
  const watcher: FSWatcher = watch(dirname(file), (_event, changed) => {
    if (changed !== null && changed !== name) return;
    // One save is often several events (truncate, write, rename): act once they settle.
    clearTimeout(timer);
    timer = setTimeout(onChange, 50);
  });
  watcher.unref();
  return () => {
    clearTimeout(timer);
    watcher.close();
  };
}
