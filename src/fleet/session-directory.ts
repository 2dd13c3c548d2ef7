/**
 * What any replica needs to serve a legacy session another one opened: who it belongs to, where it was opened, what
 * was negotiated. Everything else a session holds (its streams, what it was asked, its subscriptions) stays with
 * the replica that holds it.
 */
export interface SessionRecord {
  id: string;
  /** The route it was opened on: a server's name, or undefined for the aggregate `/mcp`. */
  server?: string;
  /** The grant that opened it: every request of the session must prove this grant. */
  grant: string;
  protocolVersion: string;
  clientCapabilities: Record<string, unknown>;
  clientInfo?: Record<string, unknown>;
  logLevel?: string;
}

/** The legacy sessions a fleet shares, each kept while it is used (a TTL renewed by use) and deleted when it ends. */
export interface SessionDirectory {
  put(record: SessionRecord): Promise<void>;
  /** The record, or undefined when no replica opened it or it ended or expired. */
  get(id: string): Promise<SessionRecord | undefined>;
  /** Keeps these sessions for another idle period. */
  touch(ids: readonly string[]): Promise<void>;
  /** Changes what was negotiated since (the log level a client set). */
  update(id: string, change: Pick<SessionRecord, 'logLevel'>): Promise<void>;
  delete(id: string): Promise<void>;
  /** A round trip to the directory, for `/readyz`. */
  ping(): Promise<void>;
}

/** The most a session's record may take: what the client declares is the client's to choose, the store's space is not. */
export const MAX_RECORD_BYTES = 16 * 1024;
