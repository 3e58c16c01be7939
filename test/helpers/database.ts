import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../src/database/data-source';
import { runMigrationsLocked } from '../../src/database/migrate';

/** This spec file's database (test/helpers/spec-database.ts), migrated before its first test. */
export function testDatabaseUrl(): string {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) throw new Error('TEST_DATABASE_URL is unset: run the suite with `npm test`');
  return url;
}

/**
 * A brand-new database with the real migrations, for tests that damage shared state
 * (e.g. editing the audit trail as a superuser). Returns its URL.
 */
export async function createScratchDatabase(tag: string): Promise<string> {
  const url = await createEmptyDatabase(tag);
  await migrate(url);
  return url;
}

/** A brand-new empty database (no migrations) on the test server, named after the run. Returns its URL. */
export async function createEmptyDatabase(tag: string): Promise<string> {
  const name = `nd_scratch_${process.env.TEST_RUN_ID ?? process.pid}_${tag.replace(/\W/g, '_')}`.toLowerCase();
  const server = process.env.TEST_SERVER_URL;
  if (!server) throw new Error('TEST_SERVER_URL is unset: run the suite with `npm test`');
  const admin = new Client({ connectionString: server });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(server);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function migrate(url: string): Promise<void> {
  const ds = new DataSource(dataSourceOptions(url));
  await ds.initialize();
  await runMigrationsLocked(ds);
  await ds.destroy();
}
