import { Command } from 'commander';
import { mintAdminToken } from '../admin/admin-token.js';

/** `toolgate admin token`: a new admin credential; the configuration keeps only its hash. */
export function adminCommand(): Command {
  const admin = new Command('admin').description('the admin API’s credential');
  admin
    .command('token')
    .description('mint an admin token and print the line that enables it in the configuration')
    .option('--json', 'print { token, token_sha256 } as JSON')
    .action((options: { json?: boolean }) => {
      const { token, sha256 } = mintAdminToken();
      if (options.json) {
        process.stdout.write(`${JSON.stringify({ token, token_sha256: sha256 })}\n`);
        return;
      }
      process.stdout.write(`${token}\n`);
      process.stderr.write(`Keep the token above (it is shown only this once) and put its hash in the configuration:\n\nadmin:\n  token_sha256: ${sha256}\n`);
    });
  return admin;
}
