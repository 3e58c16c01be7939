import 'reflect-metadata';
import { ConflictError } from '../common/domain-error';
import { parseFlags, promptHidden, UsageError, withStaffUsers } from './staff-cli';
import { selfActor } from './staff-users.service';

const USAGE =
  'usage: npm run user:token -- --email <email>\n' +
  "The account's own password comes from NOTICE_DESK_PASSWORD, or is asked for (hidden).";

/**
 * `npm run user:token`: makes a personal API token for YOUR staff account, replacing its old one,
 * and prints it (only its SHA-256 is stored; audit: staff.token_issued by the account itself).
 * It asks for the account's own password: nobody gets a token for someone else, console or not.
 * Exit 0 printed, 1 no such account / wrong password / not active, 2 usage or connection error.
 */
async function main(): Promise<number> {
  const { email } = parseFlags(process.argv.slice(2));
  if (!email) throw new UsageError('--email is required');
  // Read by the CLI only, never by the app: a one-off secret for scripted setups.
  const password = process.env.NOTICE_DESK_PASSWORD || (await promptHidden('Password of the account: '));
  const token = await withStaffUsers(async (users) => {
    const user = await users.findByEmail(email);
    if (!user || user.status !== 'active' || !(await users.passwordMatches(user.id, password))) return null;
    return users.issueToken(user.id, selfActor(user));
  });
  if (!token) {
    console.error(`user:token: no active staff account ${email} with that password`);
    return 1;
  }
  process.stdout.write(`${token}\n`);
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UsageError) {
      console.error(`user:token: ${err.message}\n${USAGE}`);
      process.exitCode = 2;
    } else if (err instanceof ConflictError) {
      console.error(`user:token: ${err.message}`);
      process.exitCode = 1;
    } else {
      console.error('user:token:', err instanceof Error ? err.message : err);
      process.exitCode = 2;
    }
  },
);
