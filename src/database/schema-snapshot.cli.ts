import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { PROJECT_ROOT } from '../config/project-root';
import { schemaSnapshot, snapshotDiff } from './schema-snapshot';

export const SNAPSHOT_FILE = join(PROJECT_ROOT, 'migrations', 'schema.snapshot.sql');

/**
 * `schema-snapshot.cli.ts <database url> write|check`: writes the migrated database's schema to
 * migrations/schema.snapshot.sql, or exits 1 listing how it differs from the committed one.
 * Used by test/migration-check.mjs (`npm run migration:check`, `npm run migration:snapshot`).
 */
async function main(): Promise<void> {
  const [url, mode] = process.argv.slice(2);
  const client = new Client({ connectionString: url });
  await client.connect();
  let actual: string;
  try {
    actual = await schemaSnapshot(async (sql) => (await client.query(sql)).rows as Array<Record<string, unknown>>);
  } finally {
    await client.end();
  }
  if (mode === 'write') {
    writeFileSync(SNAPSHOT_FILE, actual);
    console.log(`wrote ${SNAPSHOT_FILE}`);
    return;
  }
  let expected: string;
  try {
    expected = readFileSync(SNAPSHOT_FILE, 'utf8');
  } catch {
    expected = '';
  }
  const diff = snapshotDiff(expected, actual);
  if (diff.length) {
    console.error(
      `The migrated schema differs from migrations/schema.snapshot.sql (- committed, + migrated):\n${diff.join('\n')}\n` +
        'If the change is meant, run `npm run migration:snapshot` and commit the file with the migration.',
    );
    process.exit(1);
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
