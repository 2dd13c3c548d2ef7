import { z } from 'zod';

export const DEFAULT_STORE = 'sqlite:./toolgate.db';

const REDIS = /^rediss?:\/\/.+$/;
const POSTGRES = /^postgres(ql)?:\/\/.+$/;

/** Where each part may live, and how to say so. */
const PLACES = {
  counters: { pattern: /^(memory|sqlite:.+|rediss?:\/\/.+)$/, places: 'memory, sqlite:PATH or redis://HOST:PORT/DB' },
  grants: { pattern: /^(memory|sqlite:.+|postgres(ql)?:\/\/.+)$/, places: 'memory, sqlite:PATH or postgres://…' },
  audit: { pattern: /^(memory|sqlite:.+|postgres(ql)?:\/\/.+|jsonl:.+)$/, places: 'memory, sqlite:PATH, postgres://… or jsonl:PATH (jsonl:- for stdout)' },
  pins: { pattern: /^(memory|sqlite:.+|postgres(ql)?:\/\/.+)$/, places: 'memory, sqlite:PATH or postgres://…' },
  approvals: { pattern: /^(memory|sqlite:.+|postgres(ql)?:\/\/.+)$/, places: 'memory, sqlite:PATH or postgres://…' },
  sessions: { pattern: /^(memory|rediss?:\/\/.+)$/, places: 'memory (this process only) or redis://HOST:PORT/DB' },
} as const;

export type StorePart = keyof typeof PLACES;
export const STORE_PARTS = Object.keys(PLACES) as StorePart[];
/** Where each part's state lives, as the gateway opens it. */
export type StorePlaces = Record<StorePart, string>;

/**
 * The shorthand's two places: `sql` keeps the records (grants, the audit log, pins, approvals), `kv` what changes
 * on every call or request (counters, sessions).
 */
const SHORTHAND = {
  sql: { pattern: /^(postgres(ql)?:\/\/.+|sqlite:.+)$/, expected: 'a postgres:// URL or sqlite:PATH (where grants, the audit log, pins and approvals live)' },
  kv: { pattern: REDIS, expected: 'a redis:// URL (where counters and sessions live)' },
} as const;

const place = z.string().optional();

/**
 * Where state lives: one place for everything (`memory`, or `sqlite:PATH` relative to the configuration; a
 * `redis://` URL holds the counters and sessions only), the shorthand `{ sql, kv }`, or a place per part. Parts
 * named beside the shorthand override it.
 */
export const storeConfig = z
  .union(
    [
      z.string(),
      z.strictObject({ sql: place, kv: place, counters: place, grants: place, audit: place, pins: place, approvals: place, sessions: place }),
    ],
    { error: 'expected a store (memory, sqlite:PATH, redis://…), { sql, kv }, or { counters, grants, audit, pins, approvals, sessions }' },
  )
  .default(DEFAULT_STORE);

export type StoreConfig = z.output<typeof storeConfig>;

export interface StoreProblem {
  readonly path: string[];
  readonly message: string;
}

/** Puts each part where the configuration says, or says which field is wrong and what it expects. */
export function storePlaces(store: StoreConfig): { places: StorePlaces } | { problems: StoreProblem[] } {
  if (typeof store === 'string') {
    const places = REDIS.test(store)
      ? { ...everyPart(DEFAULT_STORE), counters: store, sessions: store }
      : { ...everyPart(store), sessions: 'memory' };
    return checked(places, () => ['store']);
  }
  const shorthand = (['sql', 'kv'] as const).filter((field) => store[field] !== undefined && !SHORTHAND[field].pattern.test(store[field]));
  if (shorthand.length > 0) return { problems: shorthand.map((field) => ({ path: ['store', field], message: `expected ${SHORTHAND[field].expected}, not "${store[field]}"` })) };
  const { sql, kv } = store;
  // SQLite counts as well as it keeps records (one IMMEDIATE transaction per turn); there is no PostgreSQL counter store.
  if (sql !== undefined && POSTGRES.test(sql) && kv === undefined && store.counters === undefined) {
    return {
      problems: [{ path: ['store', 'kv'], message: 'expected a redis:// URL for the counters beside sql: postgres://… (Toolgate counts in Redis or SQLite, not PostgreSQL), or name counters: sqlite:PATH for counts per replica' }],
    };
  }
  const grants = store.grants ?? sql ?? DEFAULT_STORE;
  const places: StorePlaces = {
    counters: store.counters ?? kv ?? sql ?? DEFAULT_STORE,
    grants,
    audit: store.audit ?? sql ?? DEFAULT_STORE,
    // What operators reviewed and decided goes with who may call.
    pins: store.pins ?? grants,
    approvals: store.approvals ?? grants,
    sessions: store.sessions ?? kv ?? 'memory',
  };
  return checked(places, (part) => ['store', part]);
}

function everyPart(spec: string): StorePlaces {
  return Object.fromEntries(STORE_PARTS.map((part) => [part, spec])) as StorePlaces;
}

function checked(places: StorePlaces, path: (part: StorePart) => string[]): { places: StorePlaces } | { problems: StoreProblem[] } {
  const problems = STORE_PARTS.filter((part) => !PLACES[part].pattern.test(places[part])).map((part) => ({
    path: path(part),
    message: `${part} live in ${PLACES[part].places}, not "${places[part]}"`,
  }));
  return problems.length > 0 ? { problems } : { places };
}
