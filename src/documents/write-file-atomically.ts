import { randomBytes } from 'node:crypto';
import { closeSync, fchmodSync, fsyncSync, linkSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * Writes `text` to `file` so that a reader (or a crash) sees the old content or the new, never part of either: a
 * temporary file in the same folder, flushed, then renamed over `file` and the folder flushed, so the rename itself
 * survives a power cut. `exclusive`: never replace an existing file (EEXIST instead), by linking rather than renaming.
 * A replaced file keeps its permissions (a policy readable by its owner alone stays so).
 */
export function writeFileAtomically(file: string, text: string, { exclusive = false } = {}): void {
  const folder = dirname(file);
  const temporary = join(folder, `.${basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const mode = exclusive ? undefined : modeOf(file);
    const fd = openSync(temporary, 'wx', 0o644);
    try {
      if (mode !== undefined) fchmodSync(fd, mode);
      writeSync(fd, text);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    if (exclusive) linkSync(temporary, file);
    else renameSync(temporary, file);
  } finally {
    rmSync(temporary, { force: true });
  }
  const fd = openSync(folder, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function modeOf(file: string): number | undefined {
  try {
    return statSync(file).mode & 0o7777;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
