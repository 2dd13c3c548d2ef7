import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pino from 'pino';
import { mintAdminToken } from '../src/admin/admin-token.js';
import { configSchema } from '../src/config/schema.js';
import { HttpServer } from '../src/gateway/http-server.js';
import { createGateway } from '../src/gateway/wiring.js';
import { definitions } from './catalog.js';
import { plainScript } from './targets.js';

/**
 * `GET /admin/catalog?server=acme` on a gateway in front of one server that lists `count` tools of every naming
 * style (bench/catalog.ts's definitions), as the console's Catalogue page asks for it: the first answer after the
 * server's list was fetched, then the median of five more. Target (issue #18): the page filters 10,000 tools in under
 * 100 ms, so the answer it filters must not take seconds.
 */
export interface CatalogApiResult {
  tools: number;
  firstMs: number;
  medianMs: number;
  bytes: number;
}

export async function benchCatalogApi(count = 10_000): Promise<CatalogApiResult> {
  const dir = mkdtempSync(join(tmpdir(), 'toolgate-bench-catalog-'));
  const file = join(dir, 'tools.json');
  writeFileSync(file, JSON.stringify(definitions(count)));
  const admin = mintAdminToken();
  const config = configSchema.parse({
    servers: { acme: { command: process.execPath, args: [plainScript('catalog-server'), file], policy: { version: '1', default: 'deny', tools: { 'get_user_*': {} } } } },
    store: 'memory',
    auth: 'none',
    admin: { token_sha256: admin.sha256 },
  });
  const gateway = createGateway(config, pino({ level: 'silent' }));
  const endpoint = new HttpServer(gateway, { host: '127.0.0.1', port: 0, allowedOrigins: config.allowed_origins, maxBodyBytes: config.max_body_bytes });
  const base = await endpoint.listen();
  try {
    await gateway.start();
    const get = async () => {
      const start = performance.now();
      const response = await fetch(`${base}/admin/catalog?server=acme`, { headers: { authorization: `Bearer ${admin.token}` } });
      const text = await response.text();
      if (response.status !== 200) throw new Error(`GET /admin/catalog: ${response.status} ${text.slice(0, 200)}`);
      return { ms: performance.now() - start, bytes: Buffer.byteLength(text) };
    };
    const first = await get();
    const runs: number[] = [];
    for (let i = 0; i < 5; i++) runs.push((await get()).ms);
    return { tools: count, firstMs: Math.round(first.ms), medianMs: Math.round(runs.sort((a, b) => a - b)[2]!), bytes: first.bytes };
  } finally {
    await endpoint.close();
    await gateway.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { tools, firstMs, medianMs, bytes } = await benchCatalogApi(Number(process.env.BENCH_CATALOG_TOOLS ?? 10_000));
  console.log(`GET /admin/catalog, one server of ${tools.toLocaleString('en')} tools: first ${firstMs} ms, then ${medianMs} ms (median of 5); ${(bytes / 1e6).toFixed(1)} MB`);
}
