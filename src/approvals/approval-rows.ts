import type { SchemaHistory } from '../store/migrations.js';
import type { ApprovalRequest } from './approval.js';
import type { ApprovalFilter } from './approval-store.js';

/**
 * How the SQL stores keep a request: the whole of it as JSON in `body`, and beside it the fields the queries select
 * and order by. Only `body` is read back, so a column is never a second source of truth.
 */
const COLUMNS = ['id', 'key', 'state', 'server', 'grant_id', 'grant_label', 'created_at', 'expires_at', 'version', 'body'] as const;

/** What differs between SQLite and PostgreSQL in the statements both stores share. */
export interface SqlDialect {
  /** The table's name, schema-qualified where there is one. */
  readonly table: string;
  /** Milliseconds since the epoch outgrow PostgreSQL's INTEGER. */
  readonly time: 'INTEGER' | 'BIGINT';
  /** Ids compare by code point, as the memory store compares them, so every store breaks ties in one order. */
  readonly id: 'TEXT' | 'TEXT COLLATE "C"';
  /** The n-th parameter (from 1). */
  readonly parameter: (n: number) => string;
}

export interface ApprovalRow {
  body: string;
}

/** The order of every listing, as `newestFirst` in memory; the indexes below serve it. */
export const NEWEST_FIRST = 'ORDER BY created_at DESC, id DESC';

/**
 * The table and its indexes, through time (store/migrations.ts). By key: every call that needs an approval looks for
 * its request (`findByKey`), and a key has only the few requests of one call's retries. By state, then time: listing
 * what is pending, the CLI's and admin's usual question, reads the few pending among the many finished newest first
 * and stops at the limit. By time: a listing by server or grant alone walks back from the newest without sorting all
 * the history (requests are never deleted here).
 */
export function approvalHistory({ table, time, id }: SqlDialect): SchemaHistory {
  const sql = `
    CREATE TABLE IF NOT EXISTS ${table} (
      id ${id} PRIMARY KEY,
      key TEXT NOT NULL,
      state TEXT NOT NULL,
      server TEXT NOT NULL,
      grant_id TEXT NOT NULL,
      grant_label TEXT NOT NULL,
      created_at ${time} NOT NULL,
      expires_at ${time} NOT NULL,
      version INTEGER NOT NULL,
      body TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS toolgate_approvals_key ON ${table} (key);
    CREATE INDEX IF NOT EXISTS toolgate_approvals_state ON ${table} (state, created_at, id);
    CREATE INDEX IF NOT EXISTS toolgate_approvals_created ON ${table} (created_at, id);
  `;
  return { part: 'approvals', migrations: [{ version: 1, sql }] };
}

/** Inserts a request unless its id is taken: no row changed means it exists already. */
export function insertApproval({ table, parameter }: SqlDialect): string {
  return `INSERT INTO ${table} (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map((_, i) => parameter(i + 1)).join(', ')}) ON CONFLICT (id) DO NOTHING`;
}

/** The compare-and-set: writes every column, given `approvalValues(next)` then the expected id and version. */
export function replaceApproval({ table, parameter }: SqlDialect): string {
  const set = COLUMNS.map((column, i) => `${column} = ${parameter(i + 1)}`).join(', ');
  return `UPDATE ${table} SET ${set} WHERE id = ${parameter(COLUMNS.length + 1)} AND version = ${parameter(COLUMNS.length + 2)}`;
}

/** A listing's query and its parameters: only the filters given, so each one can use an index. */
export function listApprovals({ table, parameter }: SqlDialect, filter: ApprovalFilter, limit: number): { text: string; values: (string | number)[] } {
  const values: (string | number)[] = [];
  const next = (value: string | number) => (values.push(value), parameter(values.length));
  const where = [
    ...(filter.state === undefined ? [] : [`state = ${next(filter.state)}`]),
    ...(filter.server === undefined ? [] : [`server = ${next(filter.server)}`]),
    ...(filter.grant === undefined ? [] : [`(grant_id = ${next(filter.grant)} OR grant_label = ${next(filter.grant)})`]),
  ];
  const text = `SELECT body FROM ${table} ${where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`} ${NEWEST_FIRST} LIMIT ${next(limit)}`;
  return { text, values };
}

export function approvalValues(request: ApprovalRequest): (string | number)[] {
  const { id, key, state, binding, createdAt, expiresAt, version } = request;
  return [id, key, state, binding.server, binding.grant.id, binding.grant.label, createdAt, expiresAt, version, JSON.stringify(request)];
}

export function approvalFromRow(row: ApprovalRow): ApprovalRequest {
  return JSON.parse(row.body) as ApprovalRequest;
}

/** `getMany`'s answer in the order asked, each once, whatever order the database found them in. */
export function inOrderAsked(ids: readonly string[], found: readonly ApprovalRequest[]): ApprovalRequest[] {
  const byId = new Map(found.map((request) => [request.id, request]));
  return [...new Set(ids)].flatMap((id) => byId.get(id) ?? []);
}
