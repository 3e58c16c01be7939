import { basename } from 'node:path';
import { Client } from 'pg';
import { migrate } from './database';

/**
 * Each e2e and browser spec file gets a database of its own (created empty, then migrated; the
 * app seeds the demo catalogue on start). Specs change the shared demo catalogue (remove an
 * image, restore an article), and a remedy another spec's case still holds is, rightly, kept:
 * one database per file makes every spec independent of which ran before it. Apps a spec starts
 * twice (two instances, a restart) share that file's database. Dropped by `npm test` at the end
 * with the other scratch databases of the run.
 */
const server = process.env.TEST_SERVER_URL;
const testPath = expect.getState().testPath ?? 'spec';
const name = `nd_scratch_${process.env.TEST_RUN_ID ?? process.pid}_${basename(testPath)
  .replace(/-spec\.ts$/, '')
  .replace(/\W/g, '_')}`
  .toLowerCase()
  .slice(0, 63);

if (server) {
  const url = new URL(server);
  url.pathname = `/${name}`;
  process.env.TEST_DATABASE_URL = url.toString();

  beforeAll(async () => {
    const admin = new Client({ connectionString: server });
    await admin.connect();
    try {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.query(`CREATE DATABASE ${name}`);
    } finally {
      await admin.end();
    }
    await migrate(url.toString());
  }, 60000);
}
