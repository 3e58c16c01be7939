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
