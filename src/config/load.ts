import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { DocumentError, parseDocument, toPointer, type Problem } from '../documents/errors.js';
import { readDocumentFile, readDocumentText } from '../documents/read-text.js';
import { configSchema, isStdioServer, type GatewayConfig } from './schema.js';
import { STORE_PARTS } from './store-places.js';

/** `${…}`: a variable, `${NAME:-default}`, or one of the forms clients write (`${env:NAME}`, `${input:ID}`, …). */
const REFERENCE = /\$\{([^}]*)\}/g;
const VARIABLE = /^(?:env:)?([A-Za-z_][A-Za-z0-9_]*)(?::-(.*))?$/s;

/** VS Code's and Cursor's predefined variables that have a meaning here: the configuration's folder, the user's home. */
export interface Predefined {
  readonly workspaceFolder: string;
  readonly userHome: string;
}

/**
 * Replaces `${NAME}`, `${env:NAME}` and `${NAME:-default}` in every string of the document, and `${workspaceFolder}`
 * and `${userHome}` as VS Code and Cursor do. A variable that is not set and has no default is an error naming where
 * it was used: an empty API key is never sent by accident. So is `${input:ID}`, a prompt the gateway cannot show.
 */
export function interpolateEnv(
  value: unknown,
  env: NodeJS.ProcessEnv,
  path: PropertyKey[] = [],
  problems: Problem[] = [],
  predefined?: Predefined,
): unknown {
  if (typeof value === 'string') {
    return value.replace(REFERENCE, (reference, inner: string) => {
      if (predefined && Object.hasOwn(predefined, inner)) return predefined[inner as keyof Predefined];
      if (inner.startsWith('input:')) {
        problems.push({ pointer: toPointer(path), message: `${reference} asks the user for a value, which a gateway cannot do: set an environment variable and write \${NAME}` });
        return '';
      }
      const [, name, fallback] = VARIABLE.exec(inner) ?? [];
      if (name === undefined) return reference;
      const found = env[name];
      if (found !== undefined) return found;
      if (fallback !== undefined) return fallback;
      problems.push({ pointer: toPointer(path), message: `environment variable ${name} is not set` });
      return '';
    });
  }
  if (Array.isArray(value)) return value.map((item, i) => interpolateEnv(item, env, [...path, i], problems, predefined));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, interpolateEnv(item, env, [...path, key], problems, predefined)]),
    );
  }
  return value;
}

/** Parses configuration text (YAML, which includes JSON), resolving relative paths against `baseDir`. */
export function parseConfig(text: string, file: string, env: NodeJS.ProcessEnv = process.env, baseDir = dirname(file)): GatewayConfig {
  const document = readDocumentText(text, file) ?? {};
  const problems: Problem[] = [];
  const interpolated = interpolateEnv(document, env, [], problems, { workspaceFolder: workspaceFolder(baseDir), userHome: homedir() });
  if (problems.length > 0) throw new DocumentError(file, problems);

  const config = parseDocument(configSchema, interpolated, file);
  for (const part of STORE_PARTS) {
    const [, scheme, file] = /^(sqlite|jsonl):(.+)$/.exec(config.store[part]) ?? [];
    if (scheme && file !== '-') config.store[part] = `${scheme}:${resolve(baseDir, file!)}`;
  }
  if (config.audit.signing_key !== undefined) config.audit.signing_key = resolve(baseDir, config.audit.signing_key);
  for (const [name, server] of Object.entries(config.servers)) {
    // A stdio server runs in the configuration's folder unless `cwd` says otherwise, so its relative `command` and
    // `args` mean the same wherever the gateway is started from.
    if (isStdioServer(server)) {
      server.cwd = resolve(baseDir, server.cwd ?? '.');
      if (server.envFile !== undefined) {
        server.envFile = resolve(baseDir, server.envFile);
        server.env = { ...readEnvFile(server.envFile, file, ['servers', name, 'envFile']), ...server.env };
      }
    }
    if (typeof server.policy === 'string') server.policy = resolve(baseDir, server.policy);
  }
  return config;
}

export function loadConfig(file: string, env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  return parseConfig(readDocumentFile(file), file, env);
}

const CLIENT_FOLDERS = new Set(['.vscode', '.cursor']);

/** The project a configuration belongs to: its folder, or the folder above a client's own (`.vscode/mcp.json`). */
function workspaceFolder(baseDir: string): string {
  const folder = resolve(baseDir);
  return CLIENT_FOLDERS.has(basename(folder)) ? dirname(folder) : folder;
}

/** A server's `envFile`, in dotenv syntax (as VS Code and Cursor read it); a file that cannot be read is the field's error. */
function readEnvFile(envFile: string, file: string, path: PropertyKey[]): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(envFile, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw new DocumentError(file, [{ pointer: toPointer(path), message: `${envFile}: ${reason}` }]);
  }
  return parseEnv(text) as Record<string, string>;
}
