import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../src/database/data-source';
import { runMigrationsLocked } from '../src/database/migrate';
import { schemaSnapshot, snapshotDiff } from '../src/database/schema-snapshot';
import { createEmptyDatabase } from './helpers/database';

const root = join(__dirname, '..');

function migrationCli(url: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', join(root, 'src', 'database', 'migrate.cli.ts')],
      { cwd: root, env: { ...process.env, DATABASE_URL: url }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
  });
}

describe('migrations under faults (e2e)', () => {
  it('instances starting at once (three in-process, one CLI) apply each migration exactly once', async () => {
    const url = await createEmptyDatabase('concurrent_migrations');
    const sources = await Promise.all([1, 2, 3].map(() => new DataSource(dataSourceOptions(url)).initialize()));
    try {
      const results = await Promise.allSettled([
        ...sources.map((ds) => runMigrationsLocked(ds)),
        migrationCli(url).then((r) => {
          if (r.code !== 0) throw new Error(r.out);
          return r;
        }),
      ]);
      const failures = results.filter((r) => r.status === 'rejected');
      expect(failures).toEqual([]);
      const appliedBy = results
        .slice(0, 3)
        .map((r) => (r as PromiseFulfilledResult<Array<{ name: string }>>).value.length);
      const total = sources[0].migrations.length;
      // One instance (or the CLI) did all the work; the others found nothing left.
      const cliOut = (results[3] as PromiseFulfilledResult<{ out: string }>).value.out;
      const byCli = cliOut.includes('Applied') ? total : 0;
      expect(appliedBy.reduce((a, b) => a + b, 0) + byCli).toBe(total);
      const rows = await sources[0].query<Array<{ name: string; n: number }>>(
        `SELECT name, count(*)::int AS n FROM typeorm_migrations GROUP BY name`,
      );
      expect(rows).toHaveLength(total);
      expect(rows.every((r) => r.n === 1)).toBe(true);
    } finally {
      for (const ds of sources) await ds.destroy();
    }
  }, 60000);

  it('the schema snapshot matches the migrations and names a changed CHECK, index predicate or trigger', async () => {
    const url = await createEmptyDatabase('snapshot');
    const ds = await new DataSource(dataSourceOptions(url)).initialize();
    try {
      await runMigrationsLocked(ds);
      const snap = () => schemaSnapshot((sql) => ds.query(sql));
      const committed = readFileSync(join(root, 'migrations', 'schema.snapshot.sql'), 'utf8');
      expect(snapshotDiff(committed, await snap())).toEqual([]);

      // What a migration edited by hand, or a later one, could change while the entities stay the same.
      await ds.query(`ALTER TABLE mail_job DROP CONSTRAINT mail_job_state_check,
                      ADD CONSTRAINT mail_job_state_check CHECK (state IN ('pending', 'sending', 'sent', 'failed', 'lost'))`);
      await ds.query(`DROP INDEX mail_job_due_idx`);
      await ds.query(`CREATE INDEX mail_job_due_idx ON mail_job (next_attempt_at) WHERE state = 'pending'`);
      await ds.query(`DROP TRIGGER audit_event_no_truncate ON audit_event`);
      const diff = snapshotDiff(committed, await snap());
      expect(diff.join('\n')).toContain(
        "- CONSTRAINT mail_job.mail_job_state_check CHECK ((state = ANY (ARRAY['pending'",
      );
      expect(diff.some((l) => l.startsWith('+ CONSTRAINT mail_job.mail_job_state_check') && l.includes("'lost'"))).toBe(
        true,
      );
      expect(
        diff.some(
          (l) => l.startsWith('+ INDEX CREATE INDEX mail_job_due_idx') && l.includes("WHERE (state = 'pending'"),
        ),
      ).toBe(true);
      expect(diff.some((l) => l.startsWith('- TRIGGER CREATE TRIGGER audit_event_no_truncate'))).toBe(true);
      expect(diff).toHaveLength(5);
    } finally {
      await ds.destroy();
    }
  }, 60000);
});
