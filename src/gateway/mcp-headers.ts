import type { IncomingHttpHeaders } from 'node:http';
import type { Params } from '../protocol/jsonrpc.js';
import { argumentAt, decodeHeaderValue, encodeHeaderValue, MCP_NAME_FIELD } from '../protocol/header-values.js';
import type { Item } from './inventory.js';

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/**
 * Checks `Mcp-Method` and `Mcp-Name` against the body. Intermediaries may route on these headers, so a request
 * whose headers say one thing and whose body says another is refused. Returns the problem, or undefined.
 */
export function standardHeaderMismatch(headers: IncomingHttpHeaders, method: string, params: Params): string | undefined {
  const methodHeader = header(headers, 'mcp-method');
  if (methodHeader === undefined) return 'the Mcp-Method header is required';
  if (methodHeader !== method) return `Mcp-Method header value '${methodHeader}' does not match body method '${method}'`;
  const field = MCP_NAME_FIELD.get(method);
  if (!field) return undefined;
  const raw = header(headers, 'mcp-name');
  if (raw === undefined) return `the Mcp-Name header is required for ${method}`;
  const decoded = decodeHeaderValue(raw);
  if (decoded === undefined) return 'the Mcp-Name header holds characters a header may not carry';
  if (decoded !== params[field]) return `Mcp-Name header value '${decoded}' does not match body ${field} '${String(params[field])}'`;
  return undefined;
}

/** Annotations per tool definition: inventory items are kept until the list changes, so this is read once each. */
const annotations = new WeakMap<Item, { header: string; path: string[] }[]>();

/** Every `x-mcp-header` annotation in a tool's input schema, with the property path it mirrors. */
export function annotatedParams(tool: Item): { header: string; path: string[] }[] {
  const known = annotations.get(tool);
  if (known) return known;
  const found: { header: string; path: string[] }[] = [];
  annotations.set(tool, found);
  const walk = (schema: unknown, path: string[]): void => {
    if (typeof schema !== 'object' || schema === null) return;
    const node = schema as Record<string, unknown>;
    if (typeof node['x-mcp-header'] === 'string' && path.length > 0) found.push({ header: node['x-mcp-header'], path });
    const properties = node.properties;
    if (typeof properties === 'object' && properties !== null) {
      for (const [key, child] of Object.entries(properties)) walk(child, [...path, key]);
    }
  };
  walk(tool.inputSchema, []);
  return found;
}

/** Checks `Mcp-Param-*` headers against the arguments they mirror. Returns the problem, or undefined. */
export function paramHeaderMismatch(headers: IncomingHttpHeaders, tool: Item | undefined, args: unknown): string | undefined {
  if (!tool) return undefined;
  for (const { header: name, path } of annotatedParams(tool)) {
    const value = argumentAt(args, path);
    const raw = header(headers, `mcp-param-${name.toLowerCase()}`);
    if (value === undefined || value === null) {
      if (raw !== undefined) return `Mcp-Param-${name} is sent but argument ${path.join('.')} is absent`;
      continue;
    }
    if (raw === undefined) return `the Mcp-Param-${name} header is required: argument ${path.join('.')} is present`;
    const decoded = decodeHeaderValue(raw);
    if (decoded === undefined) return `the Mcp-Param-${name} header holds characters a header may not carry`;
    const matches = typeof value === 'number' ? Number(decoded) === value : decoded === String(value);
    if (!matches) return `Mcp-Param-${name} header value '${decoded}' does not match argument ${path.join('.')}`;
  }
  return undefined;
}

/** The `Mcp-Param-*` headers a 2026-07-28 server expects with a call of `tool`: one per annotated argument present. */
export function paramHeaders(tool: Item, args: unknown): Record<string, string> | undefined {
  let headers: Record<string, string> | undefined;
  for (const { header: name, path } of annotatedParams(tool)) {
    const value = argumentAt(args, path);
    if (value === undefined || value === null || typeof value === 'object') continue;
    (headers ??= {})[`mcp-param-${name.toLowerCase()}`] = encodeHeaderValue(String(value));
  }
  return headers;
}
