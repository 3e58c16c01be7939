#!/usr/bin/env node
// `npm test`: the whole suite. Uses DATABASE_URL's server when set, else boots an embedded
// PostgreSQL under .data/test-postgres. Creates a fresh database for the run, then runs jest.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { postgresServer } from './helpers/postgres-server.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// One database per run, so two runs on one server (CI, a developer) never drop each other's.
const TEST_DB = `notice_desk_test_${process.pid}`;
const server = await postgresServer('test-postgres', 54330, 'npm test');
const serverUrl = server.url;
const stopEmbedded = server.stop;

const admin = new pg.Client({ connectionString: serverUrl });
await admin.connect();
await admin.query(`DROP DATABASE IF EXISTS ${TEST_DB} WITH (FORCE)`);
await admin.query(`CREATE DATABASE ${TEST_DB}`);
await admin.end();
const testUrl = new URL(serverUrl);
testUrl.pathname = `/${TEST_DB}`;

const args = ['--runInBand', ...process.argv.slice(2)];
const child = spawn(process.execPath, [join(root, 'node_modules', 'jest', 'bin', 'jest.js'), ...args], {
  stdio: 'inherit',
  cwd: root,
  env: {
    ...process.env,
    TEST_DATABASE_URL: testUrl.toString(),
    TEST_SERVER_URL: serverUrl,
    TEST_RUN_ID: String(process.pid),
  },
});
const code = await new Promise((resolve) => child.on('exit', (c, sig) => resolve(c ?? (sig ? 1 : 0))));
const cleanup = new pg.Client({ connectionString: serverUrl });
await cleanup.connect();
await cleanup.query(`DROP DATABASE IF EXISTS ${TEST_DB} WITH (FORCE)`);
// Scratch databases made by specs (createScratchDatabase) are named after the run too.
const { rows } = await cleanup.query(`SELECT datname FROM pg_database WHERE datname LIKE $1`, [
  `nd\\_scratch\\_${process.pid}\\_%`,
]);
for (const r of rows) await cleanup.query(`DROP DATABASE IF EXISTS ${r.datname} WITH (FORCE)`);
await cleanup.end();
await stopEmbedded();
process.exit(code);
