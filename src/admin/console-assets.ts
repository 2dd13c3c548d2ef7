import { readdir, readFile } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { extname, join } from 'node:path';
import { HttpError } from '../http/http-error.js';
import { PACKAGE_ROOT } from '../package-info.js';

/** Where `npm run build` puts the console (console/build.ts), shipped in the package with the rest of dist/. */
export const CONSOLE_APP_DIR = join(PACKAGE_ROOT, 'dist', 'console-app');

/**
 * No script but the console's own files, no inline script or style, no framing, no form posted elsewhere: a value a
 * server or an agent put in a tool call's arguments is shown as text, and could not run even if it got into the page.
 */
const CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

const TYPES: Record<string, string> = { '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.map': 'application/json' };

interface Asset {
  readonly body: Buffer;
  readonly type: string;
}

/**
 * The built console, read into memory once (some 30 KB): `index.html`, never cached, so a new version is picked up
 * at the next load; and the assets it names, whose file names carry their content's hash, cached for a year.
 * Only files the build wrote are served: a name is looked up, never joined onto a path.
 */
export class ConsoleAssets {
  private loaded?: Promise<{ index: Buffer; assets: Map<string, Asset> }>;

  constructor(private readonly dir = CONSOLE_APP_DIR) {}

  async sendIndex(res: ServerResponse): Promise<void> {
    const { index } = await this.load();
    send(res, index, 'text/html; charset=utf-8', 'no-cache');
  }

  async sendAsset(res: ServerResponse, name: string): Promise<void> {
    const asset = (await this.load()).assets.get(name);
    if (!asset) throw new HttpError(404, `no console asset ${name}`);
    send(res, asset.body, asset.type, 'public, max-age=31536000, immutable');
  }

  private load(): Promise<{ index: Buffer; assets: Map<string, Asset> }> {
    this.loaded ??= this.read().catch((error: unknown) => {
      this.loaded = undefined;
      throw error;
    });
    return this.loaded;
  }

  private async read(): Promise<{ index: Buffer; assets: Map<string, Asset> }> {
    const index = await readFile(join(this.dir, 'index.html')).catch(() => {
      throw new HttpError(503, `the console is not built (no ${join(this.dir, 'index.html')}): run npm run build`);
    });
    const assets = new Map<string, Asset>();
    for (const name of await readdir(join(this.dir, 'assets'))) {
      const type = TYPES[extname(name)];
      if (type) assets.set(name, { body: await readFile(join(this.dir, 'assets', name)), type });
    }
    return { index, assets };
  }
}

function send(res: ServerResponse, body: Buffer, type: string, cacheControl: string): void {
  res
    .writeHead(200, {
      'content-type': type,
      'content-length': body.length,
      'cache-control': cacheControl,
      'content-security-policy': CONTENT_SECURITY_POLICY,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
    })
    .end(body);
}
