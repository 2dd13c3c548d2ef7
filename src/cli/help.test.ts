import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Command } from 'commander';
import { adminCommand } from './admin.js';
import { approvalsCommand } from './approvals.js';
import { auditCommand } from './audit.js';
import { catalogCommand } from './catalog.js';
import { grantCommand } from './grant.js';
import { initCommand } from './init.js';
import { limitsCommand } from './limits.js';
import { policyCommand } from './policy.js';

/** The command and every command under it. */
const everyCommand = (command: Command): Command[] => [command, ...command.commands.flatMap(everyCommand)];

test('a command\'s --help mentions only options that command has', () => {
  const roots = [adminCommand(), approvalsCommand(), auditCommand(), catalogCommand(), grantCommand(), initCommand(), limitsCommand(), policyCommand()];
  const commands = roots.flatMap(everyCommand);
  assert.ok(commands.some((command) => command.name() === 'verify'), 'audit verify is among the commands checked');
  for (const command of commands) {
    // The options section only (its lines are indented; the next section's title is not): a command's description
    // may name another command's options ("verify --public-key").
    const options = command.helpInformation().split(/^Options:$/m)[1]?.split(/^\S/m)[0] ?? '';
    const has = new Set(['--help', ...command.options.map((option) => option.long)]);
    const mentioned = [...options.matchAll(/--[a-z][\w-]*/g)].map(([name]) => name);
    assert.deepEqual(mentioned.filter((name) => !has.has(name)), [], `${command.name()} --help: ${options}`);
  }
});
