import { dirname, resolve } from 'node:path';
import { DocumentError, describeIssues, toPointer, type Problem } from '../documents/errors.js';
import { readDocumentFile, readDocumentText } from '../documents/read-text.js';
import { configSchema, isStdioServer, type GatewayConfig } from './schema.js';

const ENV_REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

/**
 * Replaces `${NAME}` and `${NAME:-default}` in every string of the document. A variable that is not set
 * and has no default is an error naming where it was used: an empty API key is never sent by accident.
 */
export function interpolateEnv(
  value: unknown,
  env: NodeJS.ProcessEnv,
  path: PropertyKey[] = [],
  problems: Problem[] = [],
): unknown {
  if (typeof value === 'string') {
    return value.replace(ENV_REFERENCE, (_match, name: string, fallback: string | undefined) => {
      const found = env[name];
      if (found !== undefined) return found;
      if (fallback !== undefined) return fallback;
      problems.push({ pointer: toPointer(path), message: `environment variable ${name} is not set` });
      return '';
    });
  }
  if (Array.isArray(value)) return value.map((item, i) => interpolateEnv(item, env, [...path, i], problems));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, interpolateEnv(item, env, [...path, key], problems)]),
    );
  }
  return value;
}

/** Parses configuration text (YAML, which includes JSON), resolving relative paths against `baseDir`. */
export function parseConfig(text: string, file: string, env: NodeJS.ProcessEnv = process.env, baseDir = dirname(file)): GatewayConfig {
  const document = readDocumentText(text, file) ?? {};
  const problems: Problem[] = [];
  const interpolated = interpolateEnv(document, env, [], problems);
  if (problems.length > 0) throw new DocumentError(file, problems);

  const parsed = configSchema.safeParse(interpolated);
  if (!parsed.success) throw new DocumentError(file, describeIssues(parsed.error.issues));

  const config = parsed.data;
  for (const part of ['counters', 'grants', 'audit', 'pins', 'approvals'] as const) {
    const [, scheme, file] = /^(sqlite|jsonl):(.+)$/.exec(config.store[part]) ?? [];
    if (scheme && file !== '-') config.store[part] = `${scheme}:${resolve(baseDir, file!)}`;
  }
  if (config.audit.signing_key !== undefined) config.audit.signing_key = resolve(baseDir, config.audit.signing_key);
  for (const server of Object.values(config.servers)) {
    // A stdio server runs in the configuration's folder unless `cwd` says otherwise, so its relative `command` and
    // `args` mean the same wherever the gateway is started from.
    if (isStdioServer(server)) server.cwd = resolve(baseDir, server.cwd ?? '.');
    if (typeof server.policy === 'string') server.policy = resolve(baseDir, server.policy);
  }
  return config;
}

export function loadConfig(file: string, env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  return parseConfig(readDocumentFile(file), file, env);
}
