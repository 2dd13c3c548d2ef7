/**
 * A change to a policy file that cannot be made as asked, though the request itself is well formed: `conflict`, the
 * document says something the change cannot undo alone (a pattern in `hide` that covers the tool); `stale`, the
 * policy changed since the version the caller read; `no_such_version`, no kept version has that number.
 */
export class PolicyChangeError extends Error {
  override name = 'PolicyChangeError';

  constructor(
    readonly reason: 'conflict' | 'stale' | 'no_such_version',
    message: string,
    /** Where in the policy the problem is, for a conflict. */
    readonly pointer = '',
  ) {
    super(message);
  }
}
