/**
 * Loaded before each test file in mutation runs (stryker.config.json, `tap.nodeArgs`):
 * - every fast-check property runs from one seed, so a mutant is killed or survives the same way on every run, and
 *   a property that fails now and then on the unmutated code (docs/mutation.md) cannot fail the initial run;
 *   `TOOLGATE_FC_SEED` picks another;
 * - `TOOLGATE_MUTATION` tells the few tests too slow to run once per mutant (a load test) to skip.
 */
import fc from 'fast-check';

fc.configureGlobal({ ...fc.readConfigureGlobal(), seed: Number(process.env.TOOLGATE_FC_SEED ?? 20260901) });
process.env.TOOLGATE_MUTATION = '1';
