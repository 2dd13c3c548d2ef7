import { performance } from 'node:perf_hooks';
import { classify } from '../src/catalog/classify.js';
import type { ToolDefinition } from '../src/catalog/tool-definition.js';

/**
 * The classifier alone: 10,000 tool definitions of every naming style, with descriptions, schemas (some with an
 * operation enum) and annotations, classified one after another. Target: all 10,000 in under a second, one core.
 */
export interface CatalogResult {
  definitions: number;
  ms: number;
  perSecond: number;
}

const VERBS = ['get', 'list', 'create', 'update', 'delete', 'send', 'run', 'refund', 'search', 'archive'];
const NOUNS = ['user', 'api_key', 'campaign', 'invoice', 'repository', 'file', 'message', 'record', 'instance', 'webhook'];
const STYLES = [(v: string, n: string) => `${v}_${n}`, (v: string, n: string) => `${v}${n.replace(/(^|_)(\w)/g, (_, _s, c: string) => c.toUpperCase())}`, (v: string, n: string) => `${n.replaceAll('_', '-')}-${v}`, (v: string, n: string) => `acme.${n}.${v}`];

export function definitions(count: number): ToolDefinition[] {
  return Array.from({ length: count }, (_, i) => {
    const verb = VERBS[i % VERBS.length]!;
    const noun = NOUNS[Math.floor(i / VERBS.length) % NOUNS.length]!;
    const name = `${STYLES[i % STYLES.length]!(verb, noun)}_${i}`;
    return {
      name,
      description: `${verb[0]!.toUpperCase()}${verb.slice(1)}s a ${noun.replaceAll('_', ' ')} in the account.${i % 7 === 0 ? ' This cannot be undone.' : ''} Returns the result as JSON.`,
      inputSchema: {
        type: 'object',
        properties: {
          id: { type: 'string', description: `The ${noun} id` },
          ...(i % 5 === 0 && { method: { type: 'string', enum: ['create', 'update', 'delete'] } }),
          ...(i % 11 === 0 && { amount: { type: 'number' }, currency: { type: 'string' } }),
          ...(i % 13 === 0 && { url: { type: 'string', description: 'Where to send it, e.g. https://example.com' } }),
        },
      },
      ...(i % 3 === 0 && { annotations: { readOnlyHint: verb === 'get' || verb === 'list', destructiveHint: verb === 'delete' } }),
    };
  });
}

export function benchCatalog(count = 10_000): CatalogResult {
  const tools = definitions(count);
  const others = new Set(tools.slice(0, 50).map((t) => t.name));
  for (const tool of tools.slice(0, 1_000)) classify(tool, { server: 'acme', otherTools: others }); // warm-up
  const start = performance.now();
  let sink = 0;
  for (const tool of tools) sink += classify(tool, { server: 'acme', otherTools: others }).rationale.length;
  const ms = performance.now() - start;
  if (sink === 0) throw new Error('unreachable');
  return { definitions: count, ms: Math.round(ms), perSecond: Math.round((count / ms) * 1000) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = benchCatalog();
  console.log(`classify(): ${result.definitions.toLocaleString('en')} definitions in ${result.ms} ms (${result.perSecond.toLocaleString('en')}/s; target < 1,000 ms)`);
}
