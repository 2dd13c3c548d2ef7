import { Command } from 'commander';
import { loadConfig } from '../config/load.js';
import { openCounterStore } from '../limits/open-store.js';
import { UsageError } from './errors.js';
import { CONFIG_HELP } from './config-file.js';

/** `toolgate limits status`: what each counter holds in the configured store, and when it frees up. */
export function limitsCommand(): Command {
  const limits = new Command('limits').description('inspect rate-limit counters');
  limits
    .command('status')
    .description("show each counter's use and when it frees up")
    .option('-c, --config <file>', CONFIG_HELP)
    .option('-g, --grant <grant>', 'only the counters of this grant')
    .option('--json', 'print the counters as JSON')
    .action(async (options: { config: string; grant?: string; json?: boolean }) => {
      const config = loadConfig(options.config);
      if (config.store.counters === 'memory') throw new UsageError('store is "memory": its counters live only inside the running gateway');
      const store = await openCounterStore(config.store.counters);
      try {
        const counters = (await store.status(Date.now())).filter((c) => !options.grant || c.key.includes(`/grant:${options.grant}/`));
        if (options.json) {
          process.stdout.write(`${JSON.stringify(counters, null, 2)}\n`);
          return;
        }
        if (counters.length === 0) process.stdout.write('no counter holds anything\n');
        for (const c of counters) process.stdout.write(`${c.key}  ${c.used} used in the last ${c.windowMs / 1000} s  frees up in ${Math.ceil(c.freesInMs / 1000)} s\n`);
      } finally {
        await store.close();
      }
    });
  return limits;
}
