#!/usr/bin/env node
// `npm run migration:check`: on a brand-new database, run every migration, fail on drift between
// the entities and the migrated schema (typeorm migration:generate --check), revert every
// migration's down() until none is left and the schema is empty, then run them all up again and
// check drift once more. Drift is checked twice over: TypeORM's comparison with the entities, and
// the committed migrations/schema.snapshot.sql (CHECK constraints, partial-index predicates,
// triggers, functions: what TypeORM does not compare). `--write-snapshot` (npm run
// migration:snapshot) runs the migrations and rewrites that file instead. Uses DATABASE_URL's server when set, else an embedded PostgreSQL under
// .data/migration-check-postgres. The database is dropped afterwards.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { postgresServer } from './helpers/postgres-server.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const CHECK_DB = `notice_desk_migration_check_${process.pid}`;
const typeormBin = join(root, 'node_modules', '.bin', 'typeorm-ts-node-commonjs');
const tsNodeBin = join(root, 'node_modules', '.bin', 'ts-node');
const writeSnapshot = process.argv.includes('--write-snapshot');
const server = await postgresServer('migration-check-postgres', 54331, 'migration:check');
const serverUrl = server.url;
const stopEmbedded = server.stop;

const dbUrl = new URL(serverUrl);
dbUrl.pathname = `/${CHECK_DB}`;

async function admin(sql) {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

async function inCheckDb(sql) {
  const client = new pg.Client({ connectionString: dbUrl.toString() });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

/** Runs the TypeORM CLI against the check database; resolves with its exit code and output. */
function typeorm(...args) {
  return new Promise((resolve, reject) => {
    const child = spawn(typeormBin, ['-d', 'src/database/cli-data-source.ts', ...args], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: dbUrl.toString() },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
  });
}

/** Runs one of our TypeScript CLIs (src/database/*.cli.ts) against the check database. */
function cli(script, ...args) {
  return new Promise((resolve, reject) => {
    const child = spawn(tsNodeBin, ['--transpile-only', script, ...args], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: dbUrl.toString() },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
  });
}

async function checkSnapshot(when) {
  const { code, out } = await cli('src/database/schema-snapshot.cli.ts', dbUrl.toString(), 'check');
  if (code !== 0) throw new Error(`Schema drift ${when}:\n${out}`);
  console.log(`migration:check: schema matches migrations/schema.snapshot.sql ${when}`);
}

async function must(step, ...args) {
  const { code, out } = await typeorm(...args);
  if (code !== 0) throw new Error(`${step} failed (exit ${code}):\n${out}`);
  return out;
}

async function applied() {
  const [row] = await inCheckDb(`SELECT count(*)::int AS n FROM typeorm_migrations`);
  return row.n;
}

async function checkDrift(when) {
  const { code, out } = await typeorm('migration:generate', '--check', '--dryrun', 'migrations/Drift');
  if (code !== 0) {
    throw new Error(`Schema drift ${when}: the entities and the migrations disagree.\n${out}`);
  }
  console.log(`migration:check: no drift ${when}`);
}

let failed = false;
try {
  await admin(`DROP DATABASE IF EXISTS ${CHECK_DB} WITH (FORCE)`);
  await admin(`CREATE DATABASE ${CHECK_DB}`);

  // The first run goes through `npm run migration:run`'s own CLI (under the advisory lock).
  const first = await cli('src/database/migrate.cli.ts');
  if (first.code !== 0) throw new Error(`migration:run failed (exit ${first.code}):\n${first.out}`);
  if (writeSnapshot) {
    const { code, out } = await cli('src/database/schema-snapshot.cli.ts', dbUrl.toString(), 'write');
    if (code !== 0) throw new Error(out);
    console.log(out.trim());
  } else {
    const total = await applied();
    console.log(`migration:check: ${total} migration(s) applied to an empty database`);
    await checkDrift('after migration:run');
    await checkSnapshot('after migration:run');

    for (let left = total; left > 0;) {
      await must('migration:revert', 'migration:revert');
      const now = await applied();
      if (now !== left - 1) throw new Error(`migration:revert left ${now} applied (expected ${left - 1})`);
      left = now;
    }
    // What is left besides TypeORM's own bookkeeping (its table, that table's index and sequence,
    // and the uuid-ossp extension it installs by itself) was created by a migration and not dropped.
    const leftovers = await inCheckDb(`
    WITH mine AS (
      SELECT c.oid, c.relkind::text AS kind, c.relname AS name FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
      UNION ALL
      SELECT p.oid, 'function', p.proname FROM pg_proc p
        JOIN pg_namespace n ON n.oid = p.pronamespace AND n.nspname = 'public')
    SELECT kind, name FROM mine m
     WHERE m.name <> 'typeorm_migrations'
       AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = m.oid AND d.deptype = 'e')
       AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = m.oid AND d.refobjid = 'typeorm_migrations'::regclass)
       AND NOT EXISTS (SELECT 1 FROM pg_index i WHERE i.indexrelid = m.oid AND i.indrelid = 'typeorm_migrations'::regclass)`);
    if (leftovers.length) {
      throw new Error(`down() left objects behind: ${leftovers.map((o) => `${o.name} (${o.kind})`).join(', ')}`);
    }
    console.log(`migration:check: every down() reverted cleanly`);

    await must('migration:run (again)', 'migration:run');
    await checkDrift('after down() and up again');
    await checkSnapshot('after down() and up again');
    console.log('migration:check: OK');
  }
} catch (err) {
  failed = true;
  console.error(`migration:check: FAILED\n${err instanceof Error ? err.message : String(err)}`);
} finally {
  await admin(`DROP DATABASE IF EXISTS ${CHECK_DB} WITH (FORCE)`).catch((err) => {
    console.error(`migration:check: could not drop ${CHECK_DB}: ${err.message}`);
  });
  await stopEmbedded();
}
process.exit(failed ? 1 : 0);
