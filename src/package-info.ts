import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/*
 * The installed package's own folder and version, read at run time: this file sits one level below the package root
 * both as src/package-info.ts (under tsx) and as dist/package-info.js, so one relative path serves both, wherever
 * npm put the package.
 */

export const PACKAGE_ROOT = fileURLToPath(new URL('..', import.meta.url));

export const PACKAGE_VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
