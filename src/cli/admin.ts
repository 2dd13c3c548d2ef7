import { Command } from 'commander';
import { mintAdminToken } from '../admin/admin-token.js';
import { ADMIN_LABEL, ADMIN_LABEL_EXPECTED } from '../config/schema.js';
import { UsageError } from './errors.js';

/** `toolgate admin token [--label NAME]`: a new admin credential; the configuration keeps only its hash. */
export function adminCommand(): Command {
  const admin = new Command('admin').description('the admin API’s credentials');
  admin
    .command('token')
    .description('mint an admin token and print the lines that enable it in the configuration')
    .option('--label <name>', 'who the token is (a person or a console): approvals are decided under this name')
    .option('--json', 'print { token, token_sha256 } (with --label, { token, label, sha256 }) as JSON')
    .action((options: { label?: string; json?: boolean }) => {
      const { label } = options;
      if (label !== undefined && !ADMIN_LABEL.test(label)) throw new UsageError(`--label: ${ADMIN_LABEL_EXPECTED}, not "${label}"`);
      const { token, sha256 } = mintAdminToken();
      if (options.json) {
        process.stdout.write(`${JSON.stringify(label === undefined ? { token, token_sha256: sha256 } : { token, label, sha256 })}\n`);
        return;
      }
      process.stdout.write(`${token}\n`);
      const lines = label === undefined ? `admin:\n  token_sha256: ${sha256}` : `admin:\n  tokens:\n    - label: ${label}\n      sha256: ${sha256}`;
      process.stderr.write(`Keep the token above (it is shown only this once) and put its hash in the configuration:\n\n${lines}\n`);
    });
  return admin;
}
