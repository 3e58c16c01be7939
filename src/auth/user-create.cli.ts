import 'reflect-metadata';
import { ValidationError, ConflictError } from '../common/domain-error';
import { parseFlags, promptHidden, UsageError, withStaffUsers } from './staff-cli';
import { checkPassword, isRole, MIN_PASSWORD_LENGTH } from './staff-users.service';

const USAGE =
  'usage: npm run user:create -- --email <email> --role <moderator|admin> [--name <name>] [--locale <zh-CN|en>]\n' +
  `The password comes from NOTICE_DESK_PASSWORD, or is asked for (hidden); at least ${MIN_PASSWORD_LENGTH} characters.`;

/**
 * `npm run user:create`: creates an active staff account with a password chosen by the person at
 * the console (audit: staff.created by 'system'). It is the bootstrap of the first admin (and a
 * way for someone with console and database access to make their own account); everyone else is
 * invited from /staff/users and chooses their own password through the mailed link.
 * Uses DATABASE_URL, or the embedded database that `npm start` runs. Exit 0 created,
 * 1 refused (exists, invalid), 2 usage or connection error.
 */
async function main(): Promise<number> {
  const flags = parseFlags(process.argv.slice(2));
  const email = flags.email;
  const role = flags.role;
  if (!email || !role) throw new UsageError('--email and --role are required');
  if (!isRole(role)) throw new UsageError('--role must be moderator or admin');
  // The language of the mail the desk sends this person (they can change it on /staff/account).
  const locale = flags.locale ?? 'zh-CN';
  if (locale !== 'zh-CN' && locale !== 'en') throw new UsageError('--locale must be zh-CN or en');
  // Read by the CLI only, never by the app: a one-off secret for scripted setups.
  const password = process.env.NOTICE_DESK_PASSWORD || (await promptHidden('Password: '));
  checkPassword(password);
  if (!process.env.NOTICE_DESK_PASSWORD && (await promptHidden('Again: ')) !== password)
    throw new UsageError('the passwords differ');
  const user = await withStaffUsers((users) =>
    users.create({ email, displayName: flags.name, role, password, locale }, { actorType: 'system', actorId: null }),
  );
  console.log(`user:create: ${user.email} (${user.role}, ${locale}) created, id ${user.id}`);
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UsageError) {
      console.error(`user:create: ${err.message}\n${USAGE}`);
      process.exitCode = 2;
    } else if (err instanceof ValidationError) {
      console.error(`user:create: ${err.fields.map((f) => `${f.field}: ${f.message}`).join('; ')}`);
      process.exitCode = 1;
    } else if (err instanceof ConflictError) {
      console.error(`user:create: ${err.message}`);
      process.exitCode = 1;
    } else {
      console.error('user:create:', err instanceof Error ? err.message : err);
      process.exitCode = 2;
    }
  },
);
