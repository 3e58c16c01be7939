import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { ConfigError, loadConfig } from '../config/config';
import { EMBEDDED_DATABASE_URL } from '../database/embedded-postgres';
import { StaffUsersService } from './staff-users.service';

/** Shared by the staff CLIs: `--name value` flags, and a StaffUsersService on DATABASE_URL (or the embedded database). */
export function parseFlags(argv: string[]): Record<string, string> {
  const flags: Record<string, string> = {};
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (!arg.startsWith('--')) throw new UsageError(`unexpected argument ${arg}`);
    const eq = arg.indexOf('=');
    if (eq > 0) flags[arg.slice(2, eq)] = arg.slice(eq + 1);
    else {
      const value = argv[i + 1];
      if (value === undefined || value.startsWith('--')) throw new UsageError(`${arg} needs a value`);
      flags[arg.slice(2)] = value;
      i += 1;
    }
  }
  return flags;
}

export class UsageError extends Error {}

export async function withStaffUsers<T>(fn: (users: StaffUsersService) => Promise<T>): Promise<T> {
  let url: string;
  try {
    url = loadConfig().databaseUrl ?? EMBEDDED_DATABASE_URL;
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(err.message);
    throw err;
  }
  const db = new DataSource({ type: 'postgres', url, extra: { max: 2, connectionTimeoutMillis: 10_000 } });
  await db.initialize();
  try {
    return await fn(new StaffUsersService(db, new AuditService()));
  } finally {
    await db.destroy();
  }
}

/** Reads a line from the terminal without echoing it. */
export function promptHidden(question: string): Promise<string> {
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
