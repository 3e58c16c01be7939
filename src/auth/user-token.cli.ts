import 'reflect-metadata';
import { ConflictError } from '../common/domain-error';
import { parseFlags, UsageError, withStaffUsers } from './staff-cli';

const USAGE = 'usage: npm run user:token -- --email <email>';

/**
 * `npm run user:token`: issues a personal API token for a staff account, replacing its old one,
 * and prints it (only its SHA-256 is stored; audit: staff.token_issued by 'system').
 * Exit 0 printed, 1 no such or disabled account, 2 usage or connection error.
 */
async function main(): Promise<number> {
  const { email } = parseFlags(process.argv.slice(2));
  if (!email) throw new UsageError('--email is required');
  const token = await withStaffUsers(async (users) => {
    const user = await users.findByEmail(email);
    if (!user) return null;
    return users.issueToken(user.id, { actorType: 'system', actorId: null });
  });
  if (!token) {
    console.error(`user:token: no staff account ${email}`);
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
