import type { Problem } from '../documents/errors.js';
import type { LoadedPolicy } from './parse.js';

/** Where a server's policy comes from: a file (which can be changed while the gateway runs), the configuration itself, or nowhere. */
export type PolicySource = { kind: 'file'; file: string } | { kind: 'inline' } | { kind: 'none' };

/** How a server's policy stands in a running gateway. */
export interface PolicyLoad {
  readonly source: PolicySource;
  /** The policy in force: the last one that loaded (none for `kind: 'none'`). */
  readonly loaded?: LoadedPolicy;
  /** When the policy in force was (re)loaded, in milliseconds since the epoch. */
  readonly loadedAt?: number;
  /** Why the file on disk did not load the last time it was read, while the last good policy stays in force; a load that succeeds clears it. */
  readonly error?: { readonly time: number; readonly message: string; readonly problems: readonly Problem[] };
}
