/**
 * Stryker's tap runner, with each mutant's test files run fastest first (by their time in the initial run), so a
 * mutant that a quick unit test kills is not first run through the slow end-to-end files (the runner stops at the
 * first file that fails). The tap runner runs the files in the order its globs happen to return them.
 *
 * The initial run happens in one worker and mutants run in all of them, so the times go through a file in the
 * sandbox (every worker's working directory).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { commonTokens, declareFactoryPlugin, PluginKind, tokens } from '@stryker-mutator/api/plugin';
import { createTapTestRunnerFactory } from '@stryker-mutator/tap-runner';

const TIMES = 'stryker-test-times.json';
const createTapTestRunner = createTapTestRunnerFactory();

function createOrderedTapRunner(injector) {
  const tap = createTapTestRunner(injector);
  let times;
  const timeOf = (file) => {
    times ??= JSON.parse(readFileSync(TIMES, 'utf8'));
    return times[file] ?? Number.MAX_SAFE_INTEGER;
  };
  return {
    capabilities: () => tap.capabilities(),
    init: () => tap.init(),
    dispose: () => tap.dispose?.(),
    async dryRun(options) {
      const result = await tap.dryRun(options);
      if (result.status === 'complete') {
        times = Object.fromEntries(result.tests.map((test) => [test.id, test.timeSpentMs]));
        writeFileSync(TIMES, JSON.stringify(times));
      }
      return result;
    },
    mutantRun(options) {
      if (!options.testFilter) return tap.mutantRun(options);
      return tap.mutantRun({ ...options, testFilter: [...options.testFilter].sort((a, b) => timeOf(a) - timeOf(b)) });
    },
  };
}
createOrderedTapRunner.inject = tokens(commonTokens.injector);

export const strykerPlugins = [declareFactoryPlugin(PluginKind.TestRunner, 'tap-ordered', createOrderedTapRunner)];
