import 'reflect-metadata';
import { ValidationError, ConflictError } from '../common/domain-error';
import { parseFlags, UsageError, withStaffUsers } from './staff-cli';
import { checkPassword, isRole, MIN_PASSWORD_LENGTH } from './staff-users.service';

const USAGE =
  'usage: npm run user:create -- --email <email> --role <moderator|admin> [--name <name>]\n' +
  `The password comes from NOTICE_DESK_PASSWORD, or is asked for (hidden); at least ${MIN_PASSWORD_LENGTH} characters.`;

/**
 * `npm run user:create`: creates an active staff account (audit: staff.created by 'system').
 * Uses DATABASE_URL, or the embedded database that `npm start` runs. Exit 0 created,
 * 1 refused (exists, invalid), 2 usage or connection error.
 */
async function main(): Promise<number> {
  const flags = parseFlags(process.argv.slice(2));
  const email = flags.email;
  const role = flags.role;
  if (!email || !role) throw new UsageError('--email and --role are required');
  if (!isRole(role)) throw new UsageError('--role must be moderator or admin');
  // Read by the CLI only, never by the app: a one-off secret for scripted setups.
  const password = process.env.NOTICE_DESK_PASSWORD || (await promptHidden('Password: '));
  checkPassword(password);
  if (!process.env.NOTICE_DESK_PASSWORD && (await promptHidden('Again: ')) !== password)
    throw new UsageError('the passwords differ');
  const user = await withStaffUsers((users) =>
    users.create({ email, displayName: flags.name, role, password }, { actorType: 'system', actorId: null }),
  );
  console.log(`user:create: ${user.email} (${user.role}) created, id ${user.id}`);
  return 0;
}

/** Reads a line from the terminal without echoing it. */
function promptHidden(question: string): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) throw new UsageError('no terminal to ask for the password: set NOTICE_DESK_PASSWORD');
  return new Promise((resolve, reject) => {
    process.stdout.write(question);
    let value = '';
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding('utf8');
    const done = (err?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.removeListener('data', onData);
      process.stdout.write('\n');
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') return done();
        if (ch === '\u0003') return done(new UsageError('cancelled'));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    };
    stdin.on('data', onData);
  });
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
