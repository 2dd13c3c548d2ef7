import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { locateConfig, userConfigDir } from './config-file.js';
import { UsageError } from './errors.js';

function places(env: NodeJS.ProcessEnv = {}) {
  const root = mkdtempSync(join(tmpdir(), 'toolgate-locate-'));
  const cwd = join(root, 'work');
  const home = join(root, 'home');
  mkdirSync(cwd);
  mkdirSync(join(home, '.config', 'toolgate'), { recursive: true });
  return { env, cwd, home };
}

const refusal = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof UsageError, `a usage error, not ${String(error)}`);
    return error.message;
  }
  assert.fail('expected the lookup to fail');
};

test('--config first, then TOOLGATE_CONFIG, then the working directory, then the user folder', () => {
  const at = places();
  const user = join(userConfigDir(at), 'toolgate.yaml');
  writeFileSync(user, '');
  assert.deepEqual(locateConfig(undefined, at), { file: user, source: 'found' });
  writeFileSync(join(at.cwd, 'toolgate.json'), '');
  assert.deepEqual(locateConfig(undefined, at), { file: join(at.cwd, 'toolgate.json'), source: 'found' }, 'the working directory before the user folder');
  writeFileSync(join(at.cwd, 'toolgate.yaml'), '');
  assert.deepEqual(locateConfig(undefined, at), { file: join(at.cwd, 'toolgate.yaml'), source: 'found' }, '.yaml before .json');
  writeFileSync(join(at.cwd, 'other.yaml'), '');
  assert.deepEqual(locateConfig(undefined, { ...at, env: { TOOLGATE_CONFIG: 'other.yaml' } }), { file: join(at.cwd, 'other.yaml'), source: 'env' });
  assert.deepEqual(locateConfig(user, { ...at, env: { TOOLGATE_CONFIG: 'other.yaml' } }), { file: user, source: 'flag' });
});

test('XDG_CONFIG_HOME moves the user folder', () => {
  const at = places();
  const xdg = join(at.home, 'xdg');
  mkdirSync(join(xdg, 'toolgate'), { recursive: true });
  writeFileSync(join(xdg, 'toolgate', 'toolgate.yml'), '');
  assert.deepEqual(locateConfig(undefined, { ...at, env: { XDG_CONFIG_HOME: xdg } }), { file: join(xdg, 'toolgate', 'toolgate.yml'), source: 'found' });
});

test('a named file that is absent says who named it; none found says where it looked and what to do', () => {
  const at = places();
  assert.equal(refusal(() => locateConfig('gateway.yaml', at)), 'gateway.yaml: no such configuration file (named by --config)');
  assert.equal(refusal(() => locateConfig(undefined, { ...at, env: { TOOLGATE_CONFIG: '/nowhere/t.yaml' } })), '/nowhere/t.yaml: no such configuration file (named by TOOLGATE_CONFIG)');
  const none = refusal(() => locateConfig(undefined, at));
  assert.ok(none.startsWith(`no configuration file: looked for toolgate.yaml, toolgate.yml, toolgate.json in ${at.cwd} and in ${join(at.home, '.config', 'toolgate')}. `), none);
  assert.match(none, /name one with --config FILE or TOOLGATE_CONFIG$/);
});
