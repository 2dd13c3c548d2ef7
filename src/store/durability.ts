/**
 * What a record written ahead of a call survives, the same for every store that writes one (the audit log, the
 * counters): `process`, the gateway's process being killed (`kill -9`, an OOM kill, a crash): the record has reached
 * the operating system or the database server before the call is forwarded; or `power`, the machine losing power or
 * the database server crashing: it has also been synced to disk (fsync, batched: one per group commit).
 *
 * - SQLite: WAL with `synchronous = NORMAL` (process) or `FULL` (power: the WAL is synced at every commit).
 * - JSON lines: one write per batch (process), then an fsync (power).
 * - PostgreSQL: `synchronous_commit = off` on the audit log's connections (process: the server has the commit in its
 *   WAL buffers and writes it within a few hundred ms) or `on`, the server's default (power).
 * - Redis counters: as the Redis server is configured (`appendonly`, `appendfsync`); the gateway cannot ask more.
 * - Memory: neither; nothing outlives the process.
 */
export type Durability = 'process' | 'power';

export const DURABILITIES = ['process', 'power'] as const satisfies readonly Durability[];
