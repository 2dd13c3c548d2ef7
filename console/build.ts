import { mkdir, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { CONSOLE_APP_DIR } from '../src/admin/console-assets.js';

const ENTRY = fileURLToPath(new URL('./src/main.tsx', import.meta.url));

/**
 * Bundles the console (console/src) into `dir`: `assets/console-<hash>.js` and `.css`, whose names change with
 * their content so the gateway can let browsers cache them for a year, and the `index.html` that names them.
 * Run by `npm run build`, so the package ships it built; the e2e tests build it too, from the source they test.
 */
export async function buildConsole(dir = CONSOLE_APP_DIR): Promise<{ bytes: number }> {
  await rm(dir, { recursive: true, force: true });
  const result = await build({
    entryPoints: { console: ENTRY },
    outdir: join(dir, 'assets'),
    entryNames: '[name]-[hash]',
    bundle: true,
    minify: true,
    format: 'esm',
    target: 'es2022',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    legalComments: 'none',
    metafile: true,
    logLevel: 'warning',
  });
  const outputs = Object.entries(result.metafile.outputs);
  const named = (ext: string) => basename(outputs.find(([path]) => path.endsWith(ext))![0]);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'index.html'), indexHtml(named('.js'), named('.css')));
  return { bytes: outputs.reduce((sum, [, output]) => sum + output.bytes, 0) };
}

/** No inline script or style: the gateway's Content-Security-Policy allows the console's own files only. */
function indexHtml(script: string, styles: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Toolgate console</title>
<link rel="stylesheet" href="/console/assets/${styles}">
<script type="module" src="/console/assets/${script}"></script>
</head>
<body>
<div id="app"></div>
</body>
</html>
`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { bytes } = await buildConsole();
  process.stdout.write(`console built into ${CONSOLE_APP_DIR} (${(bytes / 1024).toFixed(1)} KB)\n`);
}
