import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { UsageError } from './errors.js';

/** The names a configuration file goes by, in the order they are looked for in a folder. */
const NAMES = ['toolgate.yaml', 'toolgate.yml', 'toolgate.json'];

export type ConfigSource = 'flag' | 'env' | 'found';

export interface LocatedConfig {
  readonly file: string;
  readonly source: ConfigSource;
}

export interface Places {
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  readonly home: string;
}

/** The user's own configuration folder: `$XDG_CONFIG_HOME/toolgate`, or `~/.config/toolgate`. */
export function userConfigDir({ env, home }: Pick<Places, 'env' | 'home'>): string {
  return join(env.XDG_CONFIG_HOME || join(home, '.config'), 'toolgate');
}

/**
 * The configuration a command uses: the file `--config` names, else `TOOLGATE_CONFIG`, else the first of
 * toolgate.yaml, .yml and .json in the working directory, then in the user's configuration folder. A file that is
 * named but absent, or none found at all, is a usage error saying where it looked and what to do.
 */
export function locateConfig(named: string | undefined, places: Places = { env: process.env, cwd: process.cwd(), home: homedir() }): LocatedConfig {
  const { env, cwd } = places;
  const explicit = named !== undefined ? { file: named, source: 'flag' as const, by: '--config' } : env.TOOLGATE_CONFIG ? { file: env.TOOLGATE_CONFIG, source: 'env' as const, by: 'TOOLGATE_CONFIG' } : undefined;
  if (explicit) {
    const file = resolve(cwd, explicit.file);
    if (!existsSync(file)) throw new UsageError(`${explicit.file}: no such configuration file (named by ${explicit.by})`);
    return { file, source: explicit.source };
  }
  const folders = [cwd, userConfigDir(places)];
  for (const folder of folders) {
    for (const name of NAMES) {
      const file = join(folder, name);
      if (existsSync(file)) return { file, source: 'found' };
    }
  }
  throw new UsageError(
    `no configuration file: looked for ${NAMES.join(', ')} in ${folders.join(' and in ')}. ` +
      'Write a toolgate.yaml (a client\'s "mcpServers" block works as it is; see the README), or name one with --config FILE or TOOLGATE_CONFIG',
  );
}

/** The commands whose stderr is their log. */
const LOGGING = new Set(['serve', 'stdio']);

/** The help of `--config` on every command that needs a configuration: what marks them for `locateConfigBeforeAction`. */
export const CONFIG_HELP = 'configuration file (default: TOOLGATE_CONFIG, else toolgate.yaml here, else in ~/.config/toolgate)';

/**
 * Before a command that has `--config` runs, its value becomes the located file's absolute path, so every
 * command reads, and names in its messages, the same file; one found by looking is said on stderr. `policy check
 * --config` is optional and not marked: it locates its own only with `--server`.
 */
export function locateConfigBeforeAction(program: Command): void {
  program.hook('preAction', (_program, action) => {
    if (!action.options.some((option) => option.attributeName() === 'config' && option.description === CONFIG_HELP)) return;
    const located = locateConfig(action.getOptionValue('config') as string | undefined);
    // serve and stdio log it instead: their stderr is one JSON object a line.
    if (located.source !== 'flag' && !LOGGING.has(action.name())) process.stderr.write(`toolgate: using ${located.file}${located.source === 'env' ? ' (TOOLGATE_CONFIG)' : ''}\n`);
    action.setOptionValue('config', located.file);
  });
}
