/**
 * The last few lines each server wrote to stderr: when a server exits, they are usually why, so they are logged
 * with the exit instead of only at debug level as they arrive.
 */
export class RecentLines {
  private readonly lines = new Map<string, string[]>();

  constructor(
    private readonly keep = 10,
    /** A line longer than this is cut: one runaway line (a minified stack, a dumped buffer) must not fill the log. */
    private readonly maxLength = 500,
  ) {}

  add(server: string, line: string): void {
    let kept = this.lines.get(server);
    if (!kept) this.lines.set(server, (kept = []));
    kept.push(line.length > this.maxLength ? `${line.slice(0, this.maxLength)}…` : line);
    if (kept.length > this.keep) kept.shift();
  }

  /** The server's recent lines, forgetting them: the next exit reports only what came after. */
  take(server: string): string[] {
    const kept = this.lines.get(server) ?? [];
    this.lines.delete(server);
    return kept;
  }
}
